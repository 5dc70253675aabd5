/**
 * How one setting is declared: its type, default, description and check. A file of its own, below
 * settings.ts and the settings of each part (sign-in), so that neither imports the other.
 */
import type { SettingType } from "../setting-rules";

/** A setting whose resolved value is a `T`. */
export interface SettingSpecOf<T> {
  readonly type: SettingType;
  readonly default: T;
  readonly description: string;
  /** Set only with `pulumi config set --secret`; its value never appears in a message. */
  readonly secret?: boolean;
  /** Returns a message naming the allowed values, or undefined when the value is fine. */
  readonly check?: (value: T) => string | undefined;
  /** `pulumi new` asks for it (Pulumi.yaml's template, written by `npm run docs`): string settings only. */
  readonly askedByPulumiNew?: true;
}
