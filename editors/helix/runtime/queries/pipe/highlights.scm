; Highlights for `.pipe`. Capture names are the common ones of
; tree-sitter's CLI and Neovim; editors/helix/runtime/queries/pipe/
; holds the same query with Helix's names (see editors/README.md).
; Kept to what Neovim 0.7's query engine accepts (`#match?`), and
; written so that no node takes two captures: editors disagree on which
; of two patterns wins.

(comment) @comment

; Declarations and members.
[
  "import" "as" "registry" "calendar" "window" "alarm" "template"
  "pipeline" "policy" "extends" "source" "build" "from" "stage"
  "production" "wave" "onebox" "test" "deploy" "profile" "rollback" "on"
  "block" "artifacts" "containing" "require" "wait" "for" "by" "exclude"
  "because" "bake" "scale" "traffic" "region" "holiday" "include" "exempt"
  "under" "floor" "remove" "env"
] @keyword

(modifier) @keyword
(level) @keyword
(member_keyword) @keyword
(artifact_kind) @keyword
(overridable) @keyword

; Operators.
["and" "or" "not" "where" "take" "union" "intersect" "minus" "in"] @keyword.operator
["=" "+=" "-=" "==" "!=" "<=" ".."] @operator

; Names being declared.
(template_declaration name: (identifier) @type)
(pipeline_declaration name: (identifier) @type)
(registry_declaration name: (identifier) @type)
(calendar_declaration name: (identifier) @type)
(window_declaration name: (identifier) @type)
(policy_declaration name: (identifier) @type)
(extends_clause parent: (path (identifier) @type))
(type_identifier) @type.builtin

(stage_declaration name: (identifier) @label)
(wave_declaration name: (identifier) @label)
(test_declaration name: (identifier) @label)
(profile_declaration name: (identifier) @label)
(source_declaration name: (identifier) @label)
(build_declaration name: (identifier) @label)
(remove_statement kind: (member_keyword "region") name: (identifier) @constant)
(remove_statement
  kind: (member_keyword ["stage" "wave" "test" "alarm" "source" "build" "profile"])
  name: (identifier) @label)
(region_declaration name: (identifier) @constant)
(scope_statement scope: (identifier) @constant)
(alarm_declaration name: (identifier) @variable)
(level_statement rule: (identifier) @constant)
(exempt_statement rule: (identifier) @constant)

(field_assignment name: (identifier) @variable.other.member)
(field_declaration name: (identifier) @variable.other.member)
(floor_statement name: (identifier) @variable.other.member)
(env_statement name: (identifier) @variable.other.member)
(argument name: (identifier) @variable.other.member)

(call function: (path (identifier) @function .))

; Region names (`us-east-1`) and AZ ids (`use1-az1`) read as constants
; where they are used; a name being declared keeps its capture above,
; whatever it looks like.
((path (identifier) @constant)
  (#match? @constant "^[a-z]{2}(-[a-z]+)+-[0-9]+$"))
((path (identifier) @constant)
  (#match? @constant "^[a-z]+[0-9]+-az[0-9]+$"))

; Literals.
(string) @string
(escape_sequence) @constant.character.escape
(interpolation ["${" "}"] @punctuation.special)
(interpolation (path (identifier) @variable))
(quantity) @constant.numeric
(time) @constant.numeric
(date) @constant.numeric
(weekday) @constant
(boolean) @constant.builtin.boolean
(rest) @constant.builtin

; Brackets by their parent, so that no node has two captures: the `}`
; closing an interpolation is captured above.
(block ["{" "}"] @punctuation.bracket)
(list ["[" "]"] @punctuation.bracket)
(list_type ["[" "]"] @punctuation.bracket)
(arguments ["(" ")"] @punctuation.bracket)
(parenthesized_expression ["(" ")"] @punctuation.bracket)
["," ";" ":" "."] @punctuation.delimiter
