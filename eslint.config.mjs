// @ts-check
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", ".demo/", "policy/node_modules/", "eslint.config.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      // Destructuring to leave fields out, and parameters an interface requires, stay readable.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true },
      ],
      // Input checks match control characters on purpose: they are what hostile names carry.
      "no-control-regex": "off",
      // A function reads on one screen: at most 80 lines outside the tests, comments and blank lines counted.
      "max-lines-per-function": ["error", { max: 80, skipBlankLines: false, skipComments: false, IIFEs: true }],
    },
  },
  {
    // A command is thin: its definition, and a handler that parses the options into a request, makes
    // the library call and reports, each at most 40 lines; the flow lives in the library.
    files: ["scripts/lib/cli/commands/**/*.ts", "scripts/lib/dev/commands/**/*.ts"],
    rules: {
      "max-lines-per-function": ["error", { max: 40, skipBlankLines: false, skipComments: false, IIFEs: true }],
    },
  },
  {
    // The command's entry is plain CommonJS, so that it runs before anything is compiled.
    files: ["bin/**/*.js"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // The stand-in viewer's app runs in the browser tests only, as a module, outside the TypeScript project.
    files: ["test/fixtures/**/*.js"],
    ...tseslint.configs.disableTypeChecked,
    rules: { ...tseslint.configs.disableTypeChecked.rules, "max-lines-per-function": "off" },
    languageOptions: {
      globals: { ...globals.browser },
      sourceType: "module",
      parserOptions: { projectService: false, project: null },
    },
  },
  {
    files: ["scripts/**/*.browser.js"],
    languageOptions: { globals: { ...globals.browser }, sourceType: "script" },
  },
  {
    // Tests read parsed JSON, mock inputs and engine records whose shape their assertions check;
    // typing every such value would add casts, not safety.
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-explicit-any": "off",
      // Assertion messages and fixtures print whatever a value is.
      "@typescript-eslint/restrict-template-expressions": "off",
      "@typescript-eslint/no-base-to-string": "off",
      // Stand-ins implement async interfaces (credential providers, stores) with ready answers.
      "@typescript-eslint/require-await": "off",
      // A spec's describe block holds its cases: its length is the number of cases.
      "max-lines-per-function": "off",
    },
  },
  prettier,
);
