// `.pipe` highlighting for CodeMirror: a stream tokenizer following the
// lexical rules of grammar/pipe.pest (the VS Code grammar in
// editors/vscode/syntaxes/ says the same in TextMate terms).
import { StreamLanguage } from "@codemirror/language";

const keywords = new Set([
  "import", "as", "registry", "region", "calendar", "window", "alarm", "template", "pipeline",
  "policy", "extends", "abstract", "final", "new", "remove", "source", "build", "from", "test",
  "stage", "production", "wave", "onebox", "deploy", "scope", "bake", "rollback", "block", "on",
  "for", "profile", "exempt", "under", "include", "env", "approve", "require", "review", "wait",
  "by", "az", "cell", "cells", "strategy", "regions", "rest", "allow", "except", "and", "or", "not",
  "where", "take", "union", "intersect", "minus", "in", "overridable", "because", "artifacts",
  "containing", "package", "requests", "floor", "scale", "level", "holiday", "exclude", "traffic",
  "true", "false",
]);
const types = new Set([
  "string", "duration", "percent", "count", "bool", "time", "date", "weekday", "platform",
  "strategy", "alarm", "registry", "window", "calendar", "artifact",
]);
const days = new Set(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);

function tokenString(stream, state) {
  while (!stream.eol()) {
    const next = stream.next();
    if (next === "\\") {
      stream.next();
    } else if (next === '"') {
      state.inString = false;
      return "string";
    }
  }
  return "string";
}

export const pipeLanguage = StreamLanguage.define({
  name: "pipe",
  startState: () => ({ inString: false, afterColon: false }),
  token(stream, state) {
    if (state.inString) {
      return tokenString(stream, state);
    }
    if (stream.eatSpace()) {
      return null;
    }
    if (stream.match("//") || (stream.sol() && stream.match(/^#/))) {
      stream.skipToEnd();
      return "comment";
    }
    if (stream.eat('"')) {
      state.inString = true;
      return tokenString(stream, state);
    }
    if (stream.match(/^\d{1,2}:\d{2}/)) {
      return "number";
    }
    if (stream.match(/^\d{4}-\d{2}-\d{2}/)) {
      return "number";
    }
    if (stream.match(/^\d+(\.\d+)?(w|d|h|m|s|%)*(?![A-Za-z_])/)) {
      return "number";
    }
    if (stream.match(/^[A-Z][A-Z0-9_]*(?=\()/)) {
      return "function";
    }
    const word = stream.match(/^[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*/);
    if (word) {
      const text = word[0];
      if (keywords.has(text)) return "keyword";
      if (types.has(text)) return "typeName";
      if (days.has(text)) return "atom";
      return "variableName";
    }
    if (stream.match(/^(\+=|-=|==|!=|<=|>=|\.\.|=|<|>)/)) {
      return "operator";
    }
    if (stream.match(/^[{}[\]()]/)) {
      return "bracket";
    }
    stream.next();
    return null;
  },
  languageData: { commentTokens: { line: "//" } },
});
