; The command of a build or a test (`run = "make release"`) is a shell
; command line.
(field_assignment
  name: (identifier) @_field
  value: (string (string_content) @injection.content)
  (#eq? @_field "run")
  (#set! injection.language "bash"))
