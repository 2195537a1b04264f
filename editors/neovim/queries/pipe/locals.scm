; Scopes, definitions and references, for highlighting a name the same
; way where it is declared and where it is used.

(source_file) @local.scope
(block) @local.scope

(alarm_declaration name: (identifier) @local.definition)
(field_declaration name: (identifier) @local.definition)
(field_assignment name: (identifier) @local.definition)
(source_declaration name: (identifier) @local.definition)
(build_declaration name: (identifier) @local.definition)
(import_declaration alias: (identifier) @local.definition)

(path . (identifier) @local.reference)
