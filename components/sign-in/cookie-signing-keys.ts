import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { KEY_SLOTS, KeySlot } from "../../policy/documents/limits";
import { keySlotPlan } from "../key-slots";
import { CookieKeySlot } from "./function-configuration";

export interface CookieSigningKeysArgs {
  /** The active slot is generation % 2; bumping it by one replaces only the other slot's key. */
  readonly cookieKeyGeneration: number;
}

/**
 * The keys that sign CloudFront's cookies (and the sign-in session): two slots, a and b, each an
 * RSA-2048 key pair whose public half is a CloudFront public key; one key group trusts both. New
 * cookies are signed with the active slot's key while cookies signed with the other slot's key still
 * open data, so a rotation (cookieKeyGeneration + 1, which replaces the inactive slot's key) signs
 * nobody out; a jump of two replaces both and ends every session at once.
 *
 * The private keys live in the stack's state as Pulumi secrets and reach AWS only inside the sign-in
 * function's Secrets Manager secret, never in an output or an environment.
 */
export class CookieSigningKeys extends pulumi.ComponentResource {
  readonly keyGroupId: pulumi.Output<string>;
  readonly activeSlot: KeySlot;
  /** The active slot's CloudFront public key id (the cookies' `CloudFront-Key-Pair-Id`). */
  readonly activeKeyPairId: pulumi.Output<string>;
  /** Both slots' public key id and private key (PKCS#8 PEM): a Pulumi secret. */
  readonly slots: pulumi.Output<CookieKeySlot[]>;

  constructor(name: string, args: CookieSigningKeysArgs, opts?: pulumi.ComponentResourceOptions) {
    super("chromoscope-private-data:sign-in:CookieSigningKeys", name, {}, opts);
    const plan = keySlotPlan(args.cookieKeyGeneration);
    const keys = KEY_SLOTS.map((slot) => {
      const privateKey = new tls.PrivateKey(
        `${name}-${slot}`,
        { algorithm: "RSA", rsaBits: 2048 },
        {
          parent: this,
          // A slot gets a new key exactly when the generation that writes it changes (as the access keys
          // do). Unlike them, create-first: deleting first would make the engine delete the dependent
          // CloudFront public key first too, which CloudFront refuses while the key group holds it. In
          // this order a new public key is created, the group moves to it, then the old one goes.
          replacementTrigger: plan.writtenAtGeneration[slot],
        },
      );
      const publicKey = new aws.cloudfront.PublicKey(
        `${name}-${slot}-public`,
        {
          encodedKey: privateKey.publicKeyPem,
          comment: `Chromoscope sign-in cookie key, slot ${slot}`,
        },
        { parent: this },
      );
      return { slot, privateKey, publicKey };
    });
    const group = new aws.cloudfront.KeyGroup(
      `${name}-group`,
      {
        items: keys.map(({ publicKey }) => publicKey.id),
        comment: "Chromoscope sign-in: cookies signed with either slot's key open data",
      },
      { parent: this },
    );

    this.keyGroupId = group.id;
    this.activeSlot = plan.activeSlot;
    this.activeKeyPairId = keys.find(({ slot }) => slot === plan.activeSlot)!.publicKey.id;
    this.slots = pulumi.secret(
      pulumi.all(
        keys.map(({ privateKey, publicKey }) =>
          pulumi
            .all([publicKey.id, privateKey.privateKeyPemPkcs8])
            .apply(([publicKeyId, privateKeyPem]) => ({ publicKeyId, privateKeyPem })),
        ),
      ),
    );
    this.registerOutputs({ keyGroupId: this.keyGroupId, activeKeyPairId: this.activeKeyPairId });
  }
}
