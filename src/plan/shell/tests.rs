//! Shell code for hand-written commands: the reference each value gets,
//! the places it is refused, and code that stays broken.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::plan::words::Piece;

/// The code for `text`, where `@` stands for the value `v`.
fn code(text: &str) -> Result<String, ShellError> {
    let mut pieces = Vec::new();
    for (index, part) in text.split('@').enumerate() {
        if index > 0 {
            pieces.push(Piece::Value("v"));
        }
        pieces.push(Piece::Text(part));
    }
    shell_text(&pieces, &mut Values::default())
}

fn refusal(text: &str) -> Option<Refusal> {
    match code(text) {
        Err(ShellError::Refused { refusal, .. }) => Some(refusal),
        _ => None,
    }
}

#[test]
fn references_fit_where_the_value_stands() {
    let cases = [
        ("echo @", "echo \"${PIPEC_VALUE_1}\""),
        ("echo '@'", "echo ''\"${PIPEC_VALUE_1}\"''"),
        ("echo \"@\"", "echo \"${PIPEC_VALUE_1}\""),
        (
            "echo \"$(echo @)\"",
            "echo \"$(echo \"${PIPEC_VALUE_1}\")\"",
        ),
        ("echo `echo @`", "echo `echo \"${PIPEC_VALUE_1}\"`"),
        (
            "echo \"$(a \"$(b '@')\")\"",
            "echo \"$(a \"$(b ''\"${PIPEC_VALUE_1}\"'')\")\"",
        ),
        (
            "cat <<EOF\n@ '@'\nEOF",
            "cat <<EOF\n${PIPEC_VALUE_1} '${PIPEC_VALUE_1}'\nEOF",
        ),
        (
            "cat <<-EOF\n\t$(x @)\n\tEOF\necho @",
            "cat <<-EOF\n\t$(x \"${PIPEC_VALUE_1}\")\n\tEOF\necho \"${PIPEC_VALUE_1}\"",
        ),
        (
            "true # it's @\necho '@'",
            "true # it's ${PIPEC_VALUE_1}\necho ''\"${PIPEC_VALUE_1}\"''",
        ),
        ("echo \\@", "echo \\\\\"${PIPEC_VALUE_1}\""),
        ("echo $#@", "echo $#\"${PIPEC_VALUE_1}\""),
    ];
    for (text, expected) in cases {
        assert_eq!(code(text).unwrap(), expected, "{text:?}");
    }
}

#[test]
fn values_share_a_variable_by_text_and_are_numbered_in_order() {
    let mut values = Values::default();
    let first = shell_text(
        &[
            Piece::Value("a"),
            Piece::Text(" "),
            Piece::Value("b"),
            Piece::Value("a"),
        ],
        &mut values,
    )
    .unwrap();
    let second = shell_text(&[Piece::Text("x "), Piece::Value("b")], &mut values).unwrap();
    assert_eq!(
        first,
        "\"${PIPEC_VALUE_1}\" \"${PIPEC_VALUE_2}\"\"${PIPEC_VALUE_1}\""
    );
    assert_eq!(second, "x \"${PIPEC_VALUE_2}\"");
    assert_eq!(
        values.variables().collect::<Vec<_>>(),
        [
            ("PIPEC_VALUE_1".to_string(), "a"),
            ("PIPEC_VALUE_2".to_string(), "b")
        ]
    );
}

#[test]
fn places_without_a_safe_reference_are_refused() {
    let cases = [
        (
            "echo $((@ + 1))",
            Refusal::Arithmetic(ArithmeticPlace::Expansion),
        ),
        (
            "echo \"$(( $(x @) ))\"",
            Refusal::Arithmetic(ArithmeticPlace::Expansion),
        ),
        ("cat <<'EOF'\n@\nEOF", Refusal::QuotedHereDocument),
        ("cat <<\"EOF\"\nx\n@\nEOF", Refusal::QuotedHereDocument),
        ("cat <<\\EOF\n@\nEOF", Refusal::QuotedHereDocument),
        ("cat <<@\nx\n", Refusal::HereDocumentDelimiter),
        ("echo \"${X:-@}\"", Refusal::ParameterExpansion),
        ("eval echo @", Refusal::Reevaluated("eval")),
        ("X=1 command eval \"@\"", Refusal::Reevaluated("eval")),
        (
            "true; if true; then eval \"$(echo @)\"; fi",
            Refusal::Reevaluated("eval"),
        ),
        ("trap 'echo @' EXIT", Refusal::Reevaluated("trap")),
        ("alias x=@", Refusal::Reevaluated("alias")),
    ];
    for (text, expected) in cases {
        assert_eq!(refusal(text), Some(expected), "{text:?}");
    }
    // Not a command named `eval`: an argument, a quoted body, after `;`.
    for text in [
        "echo eval @",
        "cat <<'EOF'\neval\nEOF\necho @",
        "eval true; echo @",
        "echo $((1 + 2)) @",
        "echo \"${X:-a}\" @",
    ] {
        assert!(code(text).is_ok(), "{text:?}");
    }
}

#[test]
fn places_where_bash_evaluates_a_value_as_arithmetic_are_refused() {
    use ArithmeticPlace::*;
    let cases = [
        ("let \"n=@\"", Let),
        ("let n=1 m=@", Let),
        ("true && command let n=$(echo @)", Let),
        ("(( m = @ ))", Command),
        ("if ((@ > 1)); then :; fi", Command),
        ("for ((i = @; i < 3; i++)); do :; done", Command),
        ("echo $[ @ + 1 ]", OldExpansion),
        ("echo \"$[a[1] + @]\"", OldExpansion),
        ("cat <<EOF\n$[@]\nEOF", OldExpansion),
        ("[[ @ -eq 1 ]]", Comparison("-eq")),
        ("[[ \"@\" -ne 1 ]]", Comparison("-ne")),
        ("[[ 1 -lt @ ]]", Comparison("-lt")),
        ("[[ 1 -le \"$(echo @)\" ]]", Comparison("-le")),
        ("[[ -n x && a@ -gt 1 ]]", Comparison("-gt")),
        ("[[ -z x ||\n 1 -ge @ ]]", Comparison("-ge")),
        ("[[ ( @ -eq 1 ) ]]", Comparison("-eq")),
        ("arr[@]=x", Subscript),
        ("arr[\"@\"]+=x", Subscript),
        ("X=1 arr[a[1]+@]=x", Subscript),
        ("arr=(x [@]=y)", Subscript),
        ("arr=(\n  [1]=a\n  [\"@\"]=b\n)", Subscript),
        ("declare -a arr=([@]=x)", Subscript),
        ("export arr=([\"@\"]=x)", Subscript),
        ("readonly arr+=([1]=a [@]=x)", Subscript),
    ];
    for (text, expected) in cases {
        assert_eq!(
            refusal(text),
            Some(Refusal::Arithmetic(expected)),
            "{text:?}"
        );
    }
}

#[test]
fn places_where_bash_reads_a_value_as_a_name_are_refused() {
    use NamePlace::*;
    let cases = [
        ("unset @", Argument("unset")),
        ("unset -v \"arr[@]\"", Argument("unset")),
        ("read -r @", Argument("read")),
        ("read -p x line @ < file", Argument("read")),
        ("read -- @", Argument("read")),
        ("read \"@\" x", Argument("read")),
        ("declare @=1", Declaration("declare")),
        ("f() { local \"x@\"=1; }", Declaration("local")),
        ("typeset -r @", Declaration("typeset")),
        ("declare \"@\" n=1", Declaration("declare")),
        ("printf -v @ '%s' x", Operand("printf", "-v")),
        ("printf -v\"@\" '%s' x", Operand("printf", "-v")),
        ("printf \"@\" \"@\" x", Operand("printf", "-v")),
        ("wait -n -p @", Operand("wait", "-p")),
        ("[ -v @ ]", Operand("[", "-v")),
        ("test ! -v \"@\"", Operand("test", "-v")),
        ("[ \"@\" \"@\" ]", Operand("[", "-v")),
        ("[[ -v @ ]]", Operand("[[", "-v")),
    ];
    for (text, expected) in cases {
        assert_eq!(refusal(text), Some(Refusal::Name(expected)), "{text:?}");
    }
}

#[test]
fn a_command_that_gives_an_attribute_refuses_every_value() {
    let integer = Refusal::Attribute {
        command: "declare",
        option: 'i',
    };
    let cases = [
        ("declare -i n=@", integer),
        ("declare -gi n; n=@", integer),
        ("echo @; declare -i n", integer),
        ("declare -i n; read n <<< @", integer),
        ("declare -i n; printf -v n %s \"@\"", integer),
        (
            "f() { local -i n=\"$(echo @)\"; }",
            Refusal::Attribute {
                command: "local",
                option: 'i',
            },
        ),
        (
            "declare -n r=@",
            Refusal::Attribute {
                command: "declare",
                option: 'n',
            },
        ),
        (
            "typeset -n r; r=@",
            Refusal::Attribute {
                command: "typeset",
                option: 'n',
            },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(refusal(text), Some(expected), "{text:?}");
    }
}

#[test]
fn values_where_bash_evaluates_nothing_are_still_accepted() {
    for text in [
        // String tests of `[[ ... ]]`, and arithmetic beside no value.
        "[[ -n @ ]]",
        "[[ @ == y ]]",
        "[[ @ = \"-eq\" ]]",
        "[[ @ ]]",
        "[[ @ < b ]]",
        "[[ @ =~ ^a ]] && [[ 1 -eq 1 ]]",
        "[[ 1 -eq 1 ]] && echo @",
        "[[ 1 -eq 1 && -n @ ]]",
        "[[ -v x ]] && echo @",
        "[[ a == \"]]\" ]] || echo @",
        // `test` and `[` compare integers without evaluating them.
        "[ @ -eq 1 ]",
        "test 1 -lt \"@\"",
        "[ -n @ ]",
        "[ @ = x ]",
        // Values of assignments, and array elements.
        "x=@",
        "arr[1]=@",
        "arr=(@ \"@\")",
        "declare x=@",
        "local x=\"@\"",
        "declare -a arr=(@)",
        "declare -r x=@",
        "export X=@",
        "readonly X=@",
        // Arguments that are no names.
        "read -r -p @ line",
        "read -t @ line",
        "read -p@ line",
        "read line <<< @",
        "read line < @",
        "printf '%s\\n' @",
        "printf -v x '%s' @",
        "wait @",
        "echo let @",
        "echo unset @",
        "echo declare -i @",
        "echo arr[@]",
        "echo arr=(@)",
        "let n=1; echo @",
        "unset x; echo @",
        "declare +i n; echo @",
        "((n = 1)); echo @",
        "for x in @; do echo $((1 + 1)); done",
        "echo $[1] @",
        "( (echo @) )",
        "echo $(echo @) && (echo @)",
        "let n=1 # @",
        "declare -i n # @",
        "echo \"${X:-$(echo @)}\"",
        "cat <<EOF\n$(echo x)\nEOF\necho @",
    ] {
        assert!(code(text).is_ok(), "{text:?}: {:?}", code(text));
    }
}

#[test]
fn a_command_after_a_here_document_is_read_afresh() {
    // An expansion in the body is no part of the next line's words.
    assert_eq!(
        refusal("cat <<EOF\n$(echo x)\nEOF\neval @"),
        Some(Refusal::Reevaluated("eval"))
    );
    assert_eq!(
        refusal("cat <<EOF\n$(echo x)\nEOF\nlet n=@"),
        Some(Refusal::Arithmetic(ArithmeticPlace::Let))
    );
}

#[test]
fn no_value_is_ever_written_into_the_code() {
    // Every arrangement of three fragments of shell syntax around two
    // values: scanning ends without a panic, and the code holds
    // references only, never a value's text.
    let fragments = [
        "",
        " ",
        "'",
        "\"",
        "\\",
        "$(",
        ")",
        "`",
        "$((",
        "))",
        "${",
        "}",
        "#",
        "\n",
        "<<EOF\n",
        "<<'E'\n",
        "<<-",
        "EOF",
        "eval ",
        ";",
        "|",
        "(",
        "<",
        "\t",
        "$[",
        "]",
        "((",
        "let ",
        "[[ ",
        " -eq ",
        "]]",
        "a[",
        "x=(",
        "declare -i ",
        "read ",
        "-v ",
    ];
    let value = "CANARY\n'\"`$(x)";
    for a in fragments {
        for b in fragments {
            for c in fragments {
                let pieces = [
                    Piece::Text(a),
                    Piece::Value(value),
                    Piece::Text(b),
                    Piece::Value(value),
                    Piece::Text(c),
                ];
                if let Ok(code) = shell_text(&pieces, &mut Values::default()) {
                    assert!(!code.contains("CANARY"), "{pieces:?}: {code}");
                }
            }
        }
    }
}

#[test]
fn broken_code_is_still_refused_as_before() {
    assert_eq!(
        code("echo '@"),
        Err(ShellError::Words(WordsError::UnclosedQuote('\'')))
    );
    assert_eq!(
        code("echo \"$(echo '@)\""),
        Err(ShellError::Words(WordsError::UnclosedQuote('\'')))
    );
    assert_eq!(
        code("echo a\\"),
        Err(ShellError::Words(WordsError::TrailingBackslash))
    );
    assert_eq!(
        shell_text(&[Piece::Text("  ")], &mut Values::default()),
        Err(ShellError::Words(WordsError::Empty))
    );
}
