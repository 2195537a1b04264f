// The language configuration as VS Code reads it: its regular expressions
// are JavaScript ones, so they are tested with node (`node --test`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const config = JSON.parse(readFileSync(new URL("../language-configuration.json", import.meta.url)));

test("comments are // only: the language has no block comments", () => {
  assert.deepEqual(config.comments, { lineComment: "//" });
});

test("words keep region codes, rule names, paths' parts and numbers with units whole", () => {
  const words = (line) => line.match(new RegExp(config.wordPattern, "g"));
  assert.deepEqual(words("regions = [us-east-1, eu-west-1]"), ["regions", "us-east-1", "eu-west-1"]);
  assert.deepEqual(words("warn first-wave-by-az, onebox-first"), ["warn", "first-wave-by-az", "onebox-first"]);
  assert.deepEqual(words("azs = [use1-az1]"), ["azs", "use1-az1"]);
  assert.deepEqual(words("bake = 1h30m; traffic <= 2.5%"), ["bake", "1h30m", "traffic", "2.5%"]);
  assert.deepEqual(words("block on aws.large_scale_event"), ["block", "on", "aws", "large_scale_event"]);
  // A `-` that is not between two name characters is not part of a word.
  assert.deepEqual(words("regions -= [a-]"), ["regions", "a"]);
});

test("brackets, auto-closing and surrounding pairs include quotes", () => {
  assert.deepEqual(config.brackets, [["{", "}"], ["[", "]"], ["(", ")"]]);
  const closing = Object.fromEntries(config.autoClosingPairs.map((pair) => [pair.open, pair.close]));
  assert.deepEqual(closing, { "{": "}", "[": "]", "(": ")", '"': '"' });
  const quote = config.autoClosingPairs.find((pair) => pair.open === '"');
  assert.deepEqual(quote.notIn, ["string", "comment"]);
  assert.deepEqual(config.surroundingPairs, [["{", "}"], ["[", "]"], ["(", ")"], ['"', '"']]);
});

test("a line that opens a block indents the next; a closing line dedents", () => {
  const increase = new RegExp(config.indentationRules.increaseIndentPattern);
  const decrease = new RegExp(config.indentationRules.decreaseIndentPattern);
  for (const line of ["template Service extends Org {", "  production {", "  regions = [", "  wave first {  // the first {"]) {
    assert.ok(increase.test(line), line);
  }
  for (const line of ["  stage gamma { bake = 1h }", '  run = "make {"', "  regions = [us-east-1]", "}"]) {
    assert.ok(!increase.test(line), line);
  }
  for (const line of ["}", "  ]", "  } // end"]) {
    assert.ok(decrease.test(line), line);
  }
  assert.ok(!decrease.test("  bake = 1h"));
});

test("region markers fold", () => {
  assert.ok(new RegExp(config.folding.markers.start).test("  // region waves"));
  assert.ok(new RegExp(config.folding.markers.end).test("  // endregion"));
});
