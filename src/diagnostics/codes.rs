//! The registry of diagnostic codes. Every code the compiler can emit is
//! listed here with a title and an explanation; `pipec explain` and the
//! docs are generated from this table, and a test checks that every code
//! has a case that produces it.

use serde::Serialize;
use std::fmt;

/// A registered diagnostic code such as `P0001`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Code(&'static str);

impl Code {
    /// The code as written in messages, e.g. `P0001`.
    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// The registry entry of this code.
    pub fn doc(self) -> Option<&'static CodeDoc> {
        ALL_CODES.iter().find(|doc| doc.code == self)
    }

    /// The severity findings with this code usually have, for reports that
    /// describe a code before any finding (SARIF's rule levels). A finding
    /// carries its own severity, which is what counts: policy findings
    /// follow their rule's level, and an exemption naming an unknown
    /// pipeline is only a warning.
    pub fn default_severity(self) -> super::Severity {
        // Most policy rules warn by default; an expired exemption is only
        // a reminder. Everything else stops the plan being built.
        if self == Code::POLICY
            || self == Code::EXEMPTION_EXPIRED
            || self == Code::CALENDAR_COVERAGE_ENDS
            || self == Code::ENV_WITHOUT_COMMAND
            || self.is_lossy_export()
        {
            super::Severity::Warning
        } else {
            super::Severity::Error
        }
    }
}

impl Code {
    /// Whether the code reports an export that loses meaning: a warning
    /// that `compile --deny-lossy` makes an error.
    pub fn is_lossy_export(self) -> bool {
        [
            Code::CODEPIPELINE_WINDOW_APPROXIMATED,
            Code::CODEPIPELINE_BAKE_APPROXIMATED,
            Code::CODEPIPELINE_BLOCKER_DROPPED,
            Code::CODEPIPELINE_ALARM_APPROXIMATED,
            Code::CODEPIPELINE_DEPLOY_APPROXIMATED,
            Code::CODEPIPELINE_ENV_DROPPED,
            Code::GHA_DATA_POINTS_DROPPED,
            Code::GHA_ALARM_APPROXIMATED,
            Code::GHA_TIMEOUT_SHORTENED,
            Code::GHA_REVIEW_NOT_ENFORCED,
            Code::GHA_ENV_DROPPED,
        ]
        .contains(&self)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.0)
    }
}

/// What the registry knows about a code.
#[derive(Debug)]
pub struct CodeDoc {
    /// The code.
    pub code: Code,
    /// A short kebab-case name.
    pub name: &'static str,
    /// A one-line summary.
    pub summary: &'static str,
    /// A paragraph on what it means and how to fix it.
    pub explanation: &'static str,
}

macro_rules! codes {
    ($($ident:ident = $code:literal, $name:literal, $summary:literal, $explanation:literal;)*) => {
        impl Code {
            $(
                #[doc = $summary]
                pub const $ident: Code = Code($code);
            )*
        }

        /// Every registered code, in order.
        pub static ALL_CODES: &[CodeDoc] = &[
            $(CodeDoc { code: Code::$ident, name: $name, summary: $summary, explanation: $explanation },)*
        ];
    };
}

codes! {
    SYNTAX = "P0001", "syntax-error",
        "The text does not follow the grammar.",
        "The parser expected something else at this place. The message lists what \
         would have been accepted. Each top-level declaration is parsed on its own, \
         so one error per declaration is reported and the other declarations are \
         still checked.";
    UNCLOSED_DELIMITER = "P0002", "unclosed-delimiter",
        "A `(`, `[` or `{` is never closed.",
        "Every opening bracket needs its closing partner before the next top-level \
         declaration starts. The label points at the opening bracket; the closing \
         one is usually missing at the end of the block it starts.";
    UNEXPECTED_CLOSER = "P0003", "unexpected-closing-delimiter",
        "A closing bracket does not match any opening one.",
        "A `)`, `]` or `}` appears where no bracket of that kind is open, or where a \
         different kind of bracket should be closed first. Remove it, or close the \
         inner bracket first.";
    UNTERMINATED_STRING = "P0004", "unterminated-string",
        "A string has no closing quote on its line.",
        "Strings are written on one line between double quotes. Add the closing \
         `\"`; write a quote inside a string as `\\\"`.";
    INVALID_ESCAPE = "P0005", "invalid-escape",
        "A string contains an unknown escape sequence.",
        "The escapes are `\\\"`, `\\\\`, `\\n`, `\\t`, and `\\$` \
         (a literal dollar sign). Any other character after a backslash is an error, so \
         that a typo never changes a command silently.";
    INVALID_LITERAL = "P0006", "invalid-literal",
        "A number, duration, percent, time or date is malformed.",
        "Durations are whole numbers with units `w`, `d`, `h`, `m`, `s` from the \
         largest to the smallest (`1h30m`); percents have at most two decimals \
         (`2.5%`); times are `HH:MM` from `00:00` to `24:00`; dates are real \
         calendar dates `YYYY-MM-DD`. Values must fit the compiler's range (a \
         count up to 2^53, a duration up to 100 years).";
    NESTING_TOO_DEEP = "P0007", "nesting-too-deep",
        "Brackets, `not`s or alarm references are nested deeper than the limit.",
        "A declaration may nest brackets (`(`, `[`, `{`) at most 64 levels deep, \
         and chain at most 64 `not`s; alarms that name alarms (`a2 = a1`, \
         `a1 = a0`) may do so at most 64 references deep, and an alarm written \
         out in full, the alarms it names included, nests its operators at \
         most 256 deep (a run of `not`s counts once). Real pipelines never \
         come close; the limits keep the compiler's memory and stack bounded on \
         any input.";
    FILE_TOO_LARGE = "P0008", "file-too-large",
        "The file is larger than the 8 MiB limit.",
        "A `.pipe` file may be at most 8 MiB. Split a large file into several \
         files and import them.";
    NOT_UTF8 = "P0009", "not-utf8",
        "The file is not valid UTF-8.",
        "`.pipe` files are UTF-8 text. The label points at the first byte that is \
         not valid UTF-8; re-save the file as UTF-8.";
    YAML_HABIT = "P0010", "yaml-habit",
        "Syntax from YAML or a CI workflow file.",
        "`.pipe` is not YAML: fields are assigned with `=` (`zone = \"UTC\"`), lists \
         are written in brackets (`[a, b]`), nesting uses braces, not \
         indentation, and comments start with `//`, not `#` (a `#` line is read \
         as a comment after it is reported). A `.pipe` file declares templates \
         and pipelines; CI workflow files are a different format.";
    NUL_IN_STRING = "P0011", "nul-in-string",
        "A string contains a NUL byte.",
        "A string may hold any UTF-8 text except the NUL byte (code point 0): \
         commands, their arguments and their environment cannot carry one, so a \
         NUL would only fail when the command is started. It is reported where \
         it is written, in every string; it is usually a sign of a file written \
         by a broken tool. Delete the byte.";
    MEMBER_NOT_ALLOWED = "P0101", "member-not-allowed",
        "A member is written in a body that cannot hold it.",
        "Each body accepts its own members: waves live in `production`, regions \
         in a `registry`, holidays in a `calendar`, and so on. The message names \
         the body and what it accepts; move the member, or check the braces \
         around it.";
    INVALID_MODIFIER = "P0102", "invalid-modifier",
        "A modifier (`abstract`, `final`, `new`) is misused.",
        "`abstract` declares a member without a value, so it cannot have one and \
         cannot be `final`, nor stand unbound in a template's `final` block; \
         collection statements (`block`, `require`, \
         `exclude`, `wait for`) take no modifiers; a modifier may appear once \
         per member. Top-level declarations take none either: a modifier \
         before one is a syntax error (`P0001`).";
    DUPLICATE_DEFINITION = "P0103", "duplicate-definition",
        "The same name is declared twice in one scope.",
        "Top-level declarations of a file, and named members of one body, must \
         have distinct names; an import's name (the name after `as`, else its \
         path's stem) is a top-level name too, reported at the later of the \
         two. Pipelines' names are distinct across the whole workspace: plans, \
         `compile -o`'s files and exemptions name them, so a pipeline another \
         file also declares is reported in the file whose name sorts later. To \
         change an inherited member, write the override in the child \
         declaration instead. Two `deploy` members of one body that both \
         give `run` (or both `rollback`, or both `strategy`) are this error \
         too, as the body's artifacts deploy in one step; so is a source's \
         branch given both to `git(...)` and as its body's `branch`.";
    UNKNOWN_FIELD = "P0105", "unknown-field",
        "A body sets a field it does not have.",
        "Each body has a fixed set of fields (`bake`, `regions`, `strategy`, \
         `run`, `zone`, ...; docs/language.md lists them per body); a misspelt \
         one would otherwise be silently ignored (RFC 0001, R8). User fields \
         are declared with `NAME : TYPE` at the top level of templates and \
         pipelines: a template or pipeline that extends nothing and sets a \
         field it does not declare (`tier = 1`) has no such field either \
         (under `extends`, such a field overrides nothing, `P0303`), nor does \
         one added under `extends` with `new` and no type (`new tier = 1`); region \
         attributes are free. A field another body has \
         (`timeout` in a stage) gets a note saying where it belongs. The \
         field is reported alone: not also for its modifiers, its value, or \
         a `+=` with nothing inherited (`P0310`).";
    UNKNOWN_SCOPE = "P0104", "unknown-scope",
        "`by` names something other than `az`, `cell` or `region`.",
        "Inside a region a wave deploys the whole region at once (`by region`, \
         the default, which also overrides an inherited scope), one \
         availability zone at a time (`by az`) or one cell at a time \
         (`by cell`).";
    IMPORT_NOT_FOUND = "P0201", "import-not-found",
        "An imported file or standard module does not exist.",
        "`import \"std/NAME\"` names a module of the standard library; any other \
         path is resolved from the directory of the importing file. Check the \
         spelling and the number of `../`.";
    IMPORT_ESCAPES_ROOT = "P0202", "import-escapes-root",
        "An import leads outside the workspace root.",
        "Imports stay inside the workspace: the nearest directory above the \
         entry file that holds a `pipec.toml`, else the entry file's own \
         directory. `..` and symbolic links are resolved before the check, so \
         neither can reach outside. Move the file in, or mark a directory that \
         holds both files with `pipec.toml`.";
    IMPORT_CYCLE = "P0203", "import-cycle",
        "Files import each other in a cycle.",
        "Imports form a tree: a file cannot import, directly or through other \
         files, a file that imports it. Move what both need into a third file \
         that both import.";
    UNKNOWN_NAME = "P0204", "unknown-name",
        "A name does not refer to any declaration in scope.",
        "A file sees its own top-level declarations and those of the files it \
         imports (not what they import in turn); the message suggests the \
         closest name in scope. Check the spelling, import the file that \
         declares the name, or write it qualified as `module.name`. An \
         `exempt` names any pipeline among the files checked, since a \
         policy's file cannot import the services it governs; one that \
         names none is a warning, as the exemption exempts nothing.";
    AMBIGUOUS_NAME = "P0205", "ambiguous-name",
        "An unqualified name is declared by several imported files.",
        "When two imported files declare the same name, an unqualified use could \
         mean either. Write it qualified, as `module.name`, where module is the \
         file's stem or its `as` alias.";
    WRONG_KIND = "P0206", "wrong-kind",
        "A name refers to a declaration of another kind than expected here.",
        "Each place expects one kind of declaration: `extends` in a template or \
         pipeline names a template, in a registry a registry; `window` names a \
         window; `include` and `except` a calendar. A pipeline is a leaf: \
         nothing extends it.";
    INHERITANCE_CYCLE = "P0301", "inheritance-cycle",
        "Declarations extend each other in a cycle.",
        "Following `extends` from a declaration must end at a root. The cycle is \
         reported once, at the `extends` of the declaration that comes first, \
         with every other `extends` of the cycle labelled; declarations in or \
         below the cycle are not checked further, apart from what is checked \
         of a member where it is written, such as an unknown field (`P0105`).";
    INHERITANCE_TOO_DEEP = "P0302", "inheritance-too-deep",
        "A declaration has more than ten ancestors.",
        "Chains of `extends` are limited to ten ancestors (RFC 0001, R3), which \
         is far more than an organisation, a team and a service need. Merge \
         intermediate templates.";
    OVERRIDE_OF_NOTHING = "P0303", "override-of-nothing",
        "A member in a child declaration matches nothing it inherits.",
        "Under `extends`, every member must override something the parent has \
         (RFC 0001, R23), so that a misspelt override is an error instead of a \
         member nobody reads. The message suggests the closest member the body \
         has, inherited or declared above it (a built-in field included). \
         To add a member the parent lacks, write `new` in front of it; a \
         field, with its type (`new tier : count = 1`). In a registry's \
         extension, `region X {...}` overrides what region X has: an attribute \
         it lacks is added with `new` too, without a type (`new tier = gold`).";
    NEW_SHADOWS_INHERITED = "P0304", "new-shadows-inherited",
        "A member marked `new` already exists in the parent.",
        "`new` says a member is added on purpose; on a member the parent already \
         has (built-in fields included) it would hide the override (R24). Remove \
         `new` to override, or rename the member. A built-in field keeps the \
         value written, as if without `new`, so that it is not also reported \
         missing, nor what depends on it (the regions of the registry it names) \
         read against the inherited value; so does a member the parent declares \
         `abstract` and leaves unbound, which is not also reported unbound \
         (`P0306`); another member marked `new` is left out. Over a final \
         member, the change is what is reported (`P0305`), not `new`.";
    OVERRIDE_OF_FINAL = "P0305", "override-of-final",
        "A descendant changes a member declared `final`.",
        "A final member, and everything inside a final block, cannot be \
         assigned, appended to, removed from, merged into or removed by any \
         descendant or profile, even to restate its value (R32–R34). Nor can \
         it be replaced by a nearer member where the nearest applies: a \
         wave's own `onebox` under production's final one, a wave's or a \
         one-box's own `rollback on` under a final one of production's, its \
         stage's or its wave's, a stage's, a wave's or a deploy's own \
         `strategy` under a final one of production's, production's \
         deploy's or its stage's, unless \
         the body that made it final writes it, or the member already has its \
         own, inherited, which the final one never reached. The inherited \
         value is kept.";
    UNBOUND_ABSTRACT = "P0306", "unbound-abstract",
        "A pipeline leaves abstract members without a value.",
        "Every `abstract` member of a pipeline's chain must be given a value \
         by the pipeline or a template between (R29). One diagnostic lists them \
         all, each labelled at its declaration.";
    REMOVAL_OF_NOTHING = "P0307", "removal-of-nothing",
        "`remove` names a member that is not inherited.",
        "`remove KIND NAME` drops a member inherited from the parent (R36); \
         there is none of that kind and name. The message suggests the closest \
         one.";
    DUPLICATE_LIST_ITEM = "P0308", "duplicate-list-item",
        "A list gets an item it already has: `+=` appends one, a list of regions or cells names one twice, or a calendar a holiday.",
        "Appending an item that is already present does nothing, which is \
         almost always a mistake (R17). The label points at both occurrences, \
         possibly in different files. A literal list of regions (a stage's or \
         a wave's `regions`, an `exclude`) or a region's `cells` names each \
         once, too: the list would keep a repeated name once, so the second \
         is reported, with the first labelled. A repeated AZ id is `P0410`. \
         A calendar lists each holiday (a date or a range) once: a line \
         repeated, most often last year's copied and not edited, changes \
         nothing and leaves out the day that was meant.";
    LIST_REMOVAL_OF_ABSENT = "P0309", "list-removal-of-absent",
        "`-=` removes an item the list does not have.",
        "Removing an absent item does nothing, which is almost always a mistake \
         (R18): check the spelling against the inherited list.";
    LIST_OPERATOR_WITHOUT_LIST = "P0310", "list-operator-without-list",
        "`+=` or `-=` on a field that has no inherited value.",
        "The list operators change an inherited list (R19). Where nothing is \
         inherited, assign the whole list with `=`. On a field that holds one \
         value they are `P0701` instead; on a field the body does not have \
         that holds one value where it is built in (`bake += [1h]` at a \
         template's top level), the note says where it belongs.";
    UNKNOWN_PROFILE = "P0312", "unknown-profile",
        "`--profile` names a profile a pipeline does not have.",
        "`--profile NAME` applies the profile `NAME` declared in a pipeline or \
         in one of its templates (RFC 0001, R39); the message lists the \
         pipeline's profiles or suggests the closest.";
    ABSTRACT_REDECLARATION = "P0311", "abstract-redeclaration",
        "A member with an inherited value is declared `abstract` again.",
        "An abstract member is one a descendant must bind; a member that already \
         has a value cannot go back to being unbound (R30).";
    UNKNOWN_TIME_ZONE = "P0501", "unknown-time-zone",
        "A window's `zone` is not an IANA time zone.",
        "Windows are evaluated in a real time zone from the IANA database \
         (bundled with `pipec`, so results do not depend on the machine), such \
         as `America/Los_Angeles` or `Europe/Dublin`; `UTC` is allowed too. \
         Abbreviations like `PST` are ambiguous and refused.";
    INVALID_WINDOW_SLOT = "P0502", "invalid-window-slot",
        "A window's `allow` entry, `except` or `blackout` is malformed.",
        "`allow` lists weekday slots such as `mon..thu 09:00..16:00`: the time \
         range must be non-empty (start before end; `24:00` ends a day), a \
         weekday range runs forward (`mon..fri`, or wraps like `fri..mon`), \
         `except` names calendars and `blackout` dates or date ranges (first \
         day not after the last). A window needs a `zone` and an `allow`: under \
         `extends` an inline window may leave them to the inline window it \
         merges into, so the window each pipeline, and each template nothing \
         extends, ends up with is checked; a missing field is reported once, \
         at the first inline window that lacks it.";
    EMPTY_WINDOW = "P0503", "empty-window",
        "A window never opens.",
        "Every window must open at least once: its `allow` slots, minus the \
         holidays of its `except` calendars and its `blackout` days, must leave \
         some time in the coming year (checked from `--today`, by default the \
         compile date, over 366 days in the window's zone). A window that never opens would block \
         every deployment forever. Under `extends`, an inline window merged \
         into the inline window it inherits is checked as the two make it, \
         once, at the `window` written last; so is a profile's inline window, \
         merged into the pipeline's when the profile is applied (every \
         profile, selected or not). When the inherited window never opens \
         either, only that one is reported.";
    CALENDAR_INCLUDE_CYCLE = "P0504", "calendar-include-cycle",
        "Calendars include each other in a cycle.",
        "A calendar's `include` adds another calendar's days; following the \
         includes must never lead back to the calendar it starts from. Each \
         group of calendars that include one another is reported once, with \
         one of its cycles: at the `include` that closes it back to the group's \
         first calendar, with the other includes labelled and the path in a \
         note. Remove one of the includes, and check again for another.";
    CALENDAR_COVERAGE_ENDS = "P0505", "calendar-coverage-ends",
        "A window is checked past the last day a calendar's holidays cover.",
        "A calendar may say through which day its holidays are complete \
         (`covers_until = 2031-12-31`; `std/calendars` does). A window is \
         checked for the year from `--today` (the plan lists every closed \
         day its calendars hold, whatever the year): when that year runs past a calendar the window excepts \
         (directly or through `include`), the calendar closes none of the days \
         after it and the window would open on their holidays. The warning \
         sits on the `except` entry; add the next year's holidays and move \
         `covers_until`, or use a newer `pipec` for a standard calendar.";
    PROFILE_WINDOW_IN_PROFILE = "P0510", "profile-window-in-profile",
        "A profile approves a window for itself.",
        "`window NAME for profile PROFILE` lets the declaration that sets a \
         stage's or production's window (an organisation's template, often \
         with `final window`) approve another window for a profile. A profile \
         body cannot do it: a profile that chose its own window could widen a \
         final one, which only the declaration that froze it may do.";
    UNKNOWN_WINDOW_PROFILE = "P0511", "unknown-window-profile",
        "A window is approved for a profile no template or pipeline declares.",
        "`window NAME for profile PROFILE` gates the body with NAME instead of \
         its own window when `--profile PROFILE` is selected. The profile must \
         be declared (`profile PROFILE { ... }`) in some template or pipeline \
         of the workspace. A name close to a declared profile is an error that \
         suggests it; a name close to none is a warning, because the profile \
         may be declared in a file not checked this time (check them together).";
    UNKNOWN_REGION = "P0401", "unknown-region",
        "A region name is not in the target registry.",
        "Waves, stages and exclusions name regions of the production registry \
         (`registry = aws`). The message suggests the closest region code; a \
         team that needs a region the registry lacks declares a registry that \
         extends it with `new region ...`.";
    REGION_PLACED_TWICE = "P0402", "region-placed-twice",
        "Two waves deploy the same region.",
        "Each production region is deployed exactly once. Literal lists name \
         regions explicitly, so naming one that an earlier wave placed is an \
         error with labels at both waves, whether or not a filter or `take` \
         follows the list. In a wave, the registry's name stands for the \
         regions earlier waves have not placed, so filters and `take` over it \
         never choose a placed one. Only one wave may take `rest`.";
    EMPTY_WAVE = "P0403", "empty-wave",
        "A wave deploys no region.",
        "A wave must select at least one region. A filter can come up empty \
         when earlier waves took every region it matches, and `rest` is empty \
         when earlier waves placed every region.";
    EXCLUDED_REGION_PLACED = "P0404", "excluded-region-placed",
        "A wave deploys a region that production excludes.",
        "`exclude [...] because \"...\"` takes regions out of production before \
         waves resolve; a literal list that names one anyway contradicts it.";
    REGION_NOT_DEPLOYED = "P0405", "region-not-deployed",
        "Some regions of the registry are in no wave and not excluded.",
        "Every region of the target registry is deployed exactly once in \
         production unless excluded with a reason, so that a region added to the \
         registry is never silently skipped. Add a `rest` wave, or exclude the \
         regions with a reason. A wave whose regions could not be resolved \
         (its own error is reported) might have placed the rest, so then none \
         is reported as never deployed.";
    UNKNOWN_REGION_ATTRIBUTE = "P0406", "unknown-region-attribute",
        "A filter tests an attribute no region has.",
        "Filters test attributes declared in the registry's regions (for \
         `std/aws`: `traffic`, `geo`, `opt_in`, `name`, `partition`, `code`), \
         whether compared (`traffic == low`) or tested bare (`where opt_in`); \
         a misspelt one would otherwise match nothing, silently.";
    REGISTRY_REQUIRED = "P0407", "registry-required",
        "A pipeline's production names no registry.",
        "Production waves choose regions from a registry: write `registry = aws` \
         (after `import \"std/aws\"`) in `production`, or inherit it.";
    INVALID_REGION_EXPRESSION = "P0408", "invalid-region-expression",
        "An expression is not a region set where one is expected.",
        "Region sets are literal lists of region codes, the registry with \
         `where` filters and `take N`, set operations (`union`, `intersect`, \
         `minus`) and `rest`. `rest` is what no wave places once exclusions \
         apply, so an exclusion cannot use it: name the regions it excludes.";
    AZ_OF_ANOTHER_REGION = "P0409", "az-of-another-region",
        "A registry lists an AZ id of another region.",
        "AWS names every Availability Zone id after its region: the region's \
         code shortened to its area, the initials of its direction words and \
         its number, then `-az` and the zone's number (`us-east-1` has \
         `use1-az1`, `ap-northeast-1` has `apne1-az1`). Under a region whose \
         code follows that pattern, an id of the form `PREFIX-azN` must carry \
         the region's own prefix; the help line says which region the id \
         belongs to. Regions named otherwise (`dc-paris`) and ids in other \
         forms are not checked: their conventions are the registry's own.";
    DUPLICATE_AZ = "P0410", "duplicate-az",
        "A registry lists the same AZ id twice.",
        "An AZ id names one zone, so it is listed once in a registry: twice in \
         one region would deploy to the zone twice, and in two regions would \
         place one zone in both. Remove the repeat; the label shows the first \
         listing.";
    INVALID_ALARM_EXPRESSION = "P0601", "invalid-alarm-expression",
        "An expression is not a well-formed alarm expression.",
        "Alarm expressions combine `ALARM(\"Name\")` (one CloudWatch alarm, \
         named by a plain string) and names of other alarms with `or`, `and`, \
         `not` and parentheses, like CloudWatch composite alarm rules.";
    ALARM_RECURSION = "P0602", "alarm-recursion",
        "An alarm refers to itself, directly or through other alarms.",
        "An aggregate alarm may OR together other alarms, but following the \
         references must never lead back to the alarm being defined: such an \
         alarm would have no meaning. The note shows the cycle.";
    ALARM_RULE_TOO_LONG = "P0603", "alarm-rule-too-long",
        "An alarm expression expands to more than CloudWatch's 10,240 characters.",
        "An alarm that names other alarms is written out in full, every \
         reference replaced by its expression, because that is the composite \
         alarm rule CloudWatch evaluates, and CloudWatch takes a rule of at \
         most 10,240 characters. Alarms that each name another more than once \
         double in length with every level, so a short file can describe a rule \
         no alarm service would accept; expanding stops at the limit. Name fewer \
         alarms, or build the aggregate as a composite alarm in CloudWatch and \
         name it with `ALARM(\"...\")`.";
    TYPE_MISMATCH = "P0701", "type-mismatch",
        "A value has the wrong type for where it stands.",
        "Every field has a type: `bake` is a duration (`12h`), `traffic` a \
         percent (`10%`), `run` a string, `regions` a region set, `platform` one \
         of `ecs`, `lambda`, `ec2`, `on_premises`. The message says what was \
         expected and what was found; `bake = 33%` is the classic. A value \
         must also be in its field's range: a share of traffic (`traffic <=`) \
         is 0% to 100%, `bake scale` above 0% and at most 10000%, and no \
         profile may scale a bake past 100 years. A declared \
         field (`owner : string = \"shop\"`) keeps its type down the \
         inheritance chain: its own value, every override, a restatement \
         with `:` (abstract or not) and the operand of `+=` or `-=` are \
         checked against it. \
         `+=` and `-=` edit a list: on a field that holds one value, built \
         in (`bake += [1h]`, `platform -= [ecs]`) or declared, they are this \
         error; assign the value with `=`. A command (`run`, `rollback`, `alarm_command`) must read as words: \
         quotes closed, no shell operator outside quotes unless `shell = \
         true`; an `env` entry has a variable's name and a string or \
         `secret(\"NAME\")` value. A bare attribute in a region filter \
         (`where opt_in`) tests a boolean attribute, one whose every value in \
         the registry is `true` or `false`: `where traffic` is an error, whose \
         help line writes the comparison meant.";
    INVALID_STRATEGY = "P0702", "invalid-strategy",
        "A deployment strategy is unknown or its parameters cannot work.",
        "Strategies are `in_place`, `rolling(batch: P, min_healthy: P, \
         rollback_batch: P)`, `blue_green`, `canary(P, wait: D)`, `linear(P, \
         every: D)` and `all_at_once`; each takes only its own parameters, \
         each once, positional ones before named ones. Every `P` is a share of the traffic or \
         of the fleet, at most 100%. A rolling batch (and rollback batch) must \
         be more than 0%, and batch plus minimum healthy at most 100%, so that \
         replacing a batch leaves the healthy minimum standing.";
    UNKNOWN_ARTIFACT = "P0704", "unknown-artifact",
        "A deploy or a build consumes something nothing produces before it.",
        "Every artifact a `deploy` names is produced by a `build` of the \
         pipeline (or its templates), which runs before any stage, so an \
         artifact is always built before it is deployed. Likewise a build \
         reads (`from`) a `source` or the artifact of a build declared before \
         it. The message suggests the closest name.";
    NOTHING_TO_DEPLOY = "P0706", "nothing-to-deploy",
        "Production or a one-box deploys, but there is no artifact to deploy.",
        "Production's waves deploy the artifacts of the pipeline's builds: \
         the ones production's `deploy` names, else every artifact built. A \
         pipeline without any `build` has nothing to roll out to its regions: \
         declare a `build` in the pipeline or its template (`build bundle from \
         code { run = \"make release\" }`). Likewise a stage's `onebox` \
         deploys the stage's artifacts to one box first, so a stage with a \
         one-box needs a `deploy`.";
    BUILD_WITHOUT_COMMAND = "P0707", "build-without-command",
        "A build has no `run` command.",
        "A build produces its artifact by running a command on its sources, \
         and the plan records that command for the engine to run. A build \
         without `run` (in its body or inherited) would make nothing: give \
         the command, e.g. `build bundle from code { run = \"make release\" }`.";
    SHELL_VALUE_PLACE = "P0708", "shell-value-place",
        "A value stands where shell code cannot take it safely.",
        "In a command with `shell = true`, each `${...}` value reaches the \
         shell in an environment variable (`PIPEC_VALUE_1`, ...) and the code \
         gets a reference to it, so no value is ever read as code. Some \
         places have no safe reference: where the shell evaluates a \
         variable's text as arithmetic, for bash runs code from `a[$(cmd)]` \
         there (inside `$((...))`; in bash also `$[...]`, `((...))`, an \
         argument of `let`, the operands of `-eq` and its kin in `[[ ... ]]`, \
         and an array's subscript in an assignment); where bash reads it as a \
         variable's name (an argument of `unset` or `read`, a name given to \
         `declare`, the operand of `printf -v` or `[[ -v`); anywhere in a \
         command that gives a variable the integer or name-reference \
         attribute (`declare -i`, `declare -n`), as bash evaluates whatever \
         is assigned to that variable; in a here-document's delimiter or in \
         the body of one whose delimiter is quoted (nothing expands there); \
         inside a `${...}` expansion of the shell (the value would be a \
         pattern); and in a command `eval`, `trap` or `alias`, which read \
         their arguments as code again. Pass the value as an argument of a \
         script, or set it with `env NAME = \"${...}\"` and write `\"$NAME\"` \
         in the code where it is read as meant; where bash evaluates it, \
         check it there first (`case $NAME in ''|*[!0-9]*) exit 1;; esac` for \
         a number).";
    ENV_WITHOUT_COMMAND = "P0709", "env-without-command",
        "An `env` entry is set in a test or deploy that runs no command.",
        "`env NAME = VALUE` sets a variable of the commands of its body: a \
         test's `run`, a deploy's `run` and `rollback`. A test without `run`, \
         or a deploy with neither (here or inherited), runs nothing the \
         variable could reach, and the plan has nowhere to keep it, so it \
         would be dropped without a word. Several `deploy` members of one \
         body deploy in one step, which runs the `run` of the one that gives \
         it (and any `rollback` with that member's `env`), or, with no `run`, \
         the `rollback` of the one that gives it, with that member's `env`: \
         an entry of another member is dropped too. Give the body its \
         command, move the entry to the member that has it, or delete it. A \
         warning, as the plan is otherwise what is written, and an inherited \
         entry cannot be removed: a template may give a deploy an entry that \
         only the pipelines giving it a command use. A build without `run` \
         is `P0707` instead.";
    STRATEGY_PLATFORM = "P0703", "strategy-platform",
        "A deployment strategy is not supported on the compute platform.",
        "ECS supports every strategy; Lambda shifts traffic (in place, \
         blue/green, canary, linear, all at once) and has no boxes to roll; EC2 \
         supports in place, rolling and blue/green; on-premises servers in place \
         and rolling (blue/green needs EC2 instances).";
    REQUIRED_FIELD = "P0705", "required-field",
        "A pipeline lacks a field it must have.",
        "Some fields have no default because guessing would change what the \
         compiler checks: a pipeline must say its `platform` (`ecs`, `lambda`, \
         `ec2` or `on_premises`), since which strategies are allowed and whether \
         AZ-by-AZ steps exist depend on it. Give the field a value in the pipeline \
         or in a template it extends; an organisation's template can declare it \
         `abstract` to make every pipeline choose.";
    POLICY = "P0801", "policy",
        "A pipeline breaks a best-practice rule.",
        "Policies turn an organisation's release practices into checks: the \
         rule's name is in brackets at the start of the message, and `pipec` \
         lists the catalogue in docs/language.md. A `deny` rule makes the \
         finding an error, `warn` a warning; `allow` turns it off. A pipeline \
         that has a good reason can be exempted by name in a policy, with a \
         reason and, ideally, an expiry date.";
    UNKNOWN_POLICY_RULE = "P0802", "unknown-policy-rule",
        "A policy names a rule that is not in the catalogue.",
        "Levels and exemptions name rules by their kebab-case names, such as \
         `onebox-first` or `first-wave-bake`; the message suggests the closest.";
    EXEMPTION_WITHOUT_REASON = "P0803", "exemption-without-reason",
        "An exemption, a policy's `under` block, or an exclusion has no reason.",
        "Every exemption says why the rule does not apply (`reason = \"...\"`), \
         every `under PROFILE { ... }` block why the profile changes its \
         rules, and every `exclude REGIONS because \"...\"` why the regions \
         are left out, so that reviewers can judge it and tell when it should \
         end. An empty or blank reason is none. A reason is plain text: one \
         that interpolates (`\"${ticket}\"`), or a value that is no string, \
         is `P0701` at the value instead, and counts as given.";
    EXEMPTION_EXPIRED = "P0804", "exemption-expired",
        "An exemption's or `under` block's `expires` day has passed.",
        "An exemption, or a policy's `under PROFILE` levels, count up to and \
         including their `expires` day (compared with `--today`, by default \
         today's date); after it, the rule applies again at its usual level \
         and this warning says so. Fix what the rule asks, or renew the \
         exemption or the levels.";
    UNSUPPORTED_FLOOR = "P0805", "unsupported-floor",
        "A policy sets a floor for a field that cannot have one.",
        "`floor bake = DURATION` raises every bake of the pipelines a policy \
         governs to at least that duration, after profiles and final values \
         included (RFC 0001, R43). Floors for other fields are not supported.";
    UNKNOWN_POLICY_PROFILE = "P0806", "unknown-policy-profile",
        "A policy's `under` names a profile no template or pipeline declares.",
        "`under PROFILE { ... }` in a policy sets rule levels that apply only \
         when a pipeline is compiled with `--profile PROFILE`. The profile must \
         be declared (`profile NAME { ... }`) in some template or pipeline of \
         the workspace. A name close to a declared profile is an error that \
         suggests it; a name close to none is a warning, because the profile \
         may be declared in a file not checked this time (check them together). \
         Its levels are ignored until the name is fixed.";
    GHA_DATA_POINTS_DROPPED = "P0951", "github-actions-data-points",
        "A bake's data-point requirements are dropped from a GitHub Actions workflow.",
        "`compile --target github-actions` bakes for the bake's duration while \
         watching its rollback alarm, but a workflow cannot count the requests \
         or metric data points a bake waits for, so it ends after the duration \
         even if the traffic never came. Lengthen the bake to cover the traffic \
         you need, or add a step to the hook that waits for the data points; \
         `--deny-lossy` refuses the export instead.";
    GHA_ALARM_APPROXIMATED = "P0952", "github-actions-alarm-approximated",
        "An alarm blocker's expression is approximated in a GitHub Actions workflow.",
        "The workflow evaluates a blocker's CloudWatch composite expression \
         (`ALARM`, `OK`, `INSUFFICIENT_DATA`, `TRUE`, `FALSE`, `AND`, `OR`, `NOT`) \
         against the alarms' states. An expression outside that syntax is \
         approximated: the step waits while any alarm it names is in ALARM, \
         which may wait when the plan would not. Write the blocker in the \
         composite syntax, or accept the stricter check.";
    GHA_TIMEOUT_SHORTENED = "P0953", "github-actions-timeout-shortened",
        "A test's timeout is longer than a GitHub Actions job may run.",
        "Jobs on GitHub-hosted runners stop after 6 hours, and the test's job \
         keeps 10 minutes of them for checking out and starting, so a test whose \
         timeout is over 350 minutes is given 350 minutes in the workflow and \
         fails if it needs more. Split the test, shorten its timeout, or run the \
         workflow on self-hosted runners and raise the limit by hand.";
    GHA_REVIEW_NOT_ENFORCED = "P0954", "github-actions-review-not-enforced",
        "A source requires reviewed commits, which a GitHub Actions workflow cannot enforce.",
        "A workflow runs on every push to the branch it watches; it cannot \
         refuse a commit that had no approved review. GitHub enforces reviews \
         before a merge with branch protection (or a ruleset) on the source \
         branch: require pull-request reviews there, then this warning is the \
         reminder that the workflow relies on it.";
    GHA_ENV_DROPPED = "P0955", "github-actions-env-dropped",
        "A step's `env` entry cannot be set in a GitHub Actions workflow.",
        "The workflow sets a build's, test's or deploy's `env` entries on the \
         step that runs its command: a value as written, a `secret(\"NAME\")` \
         as `${{ secrets.NAME }}`. GitHub sets the variables named `GITHUB_*` and \
         `RUNNER_*` itself and ignores a workflow's own, and it stores no secret \
         whose name starts with `GITHUB_`: such an entry is left out, and the \
         command runs without it. Rename the variable or the secret; \
         `--deny-lossy` refuses the export instead.";
    // Exports for AWS CodePipeline (`compile --target codepipeline`).
    CODEPIPELINE_SETTING_MISSING = "P0901", "codepipeline-setting-missing",
        "The CodePipeline export needs a setting that pipec.toml does not give.",
        "Account values (the service role, the pipeline's region, artifact \
         buckets, the CodeConnections connection, CodeBuild projects, CodeDeploy \
         applications and groups, ECS clusters and services) are never made up: \
         they come from the `[codepipeline]` table of the workspace's \
         `pipec.toml`. The message names the key to set; \
         docs/targets/codepipeline.md lists every key and its placeholders.";
    CODEPIPELINE_WINDOW_APPROXIMATED = "P0902", "codepipeline-window-approximated",
        "A time window cannot be expressed exactly as a CodePipeline deployment window.",
        "A `DeploymentWindow` rule holds one cron: one set of hours on a set of \
         days, and no dates. A calendar's closed dates are dropped, and slots \
         with different or partial hours are narrowed to whole hours that lie \
         inside the window (never outside it). A window with no whole hour \
         inside it (`09:10..09:50`) cannot be narrowed: it is dropped, and the \
         stage then starts at any time. `--deny-lossy` makes this an error.";
    CODEPIPELINE_BAKE_APPROXIMATED = "P0903", "codepipeline-bake-approximated",
        "A bake cannot be expressed exactly as a CodePipeline stage condition.",
        "CodePipeline waits only through a condition's `CloudWatchAlarm` rule \
         (`WaitTime`): data-point requirements cannot be counted and are \
         dropped, and a bake that watches no alarm cannot wait at all. Give the \
         bake a rollback alarm and a duration long enough for its traffic. \
         `--deny-lossy` makes this an error.";
    CODEPIPELINE_BLOCKER_DROPPED = "P0904", "codepipeline-blocker-dropped",
        "A blocker has no CodePipeline rule and is dropped.",
        "Alarm blockers become `CloudWatchAlarm` rules before a stage, but \
         CodePipeline has no rule that looks inside an artifact, so package and \
         git-ref blockers are not enforced by the exported pipeline. Enforce them \
         in the build instead. `--deny-lossy` makes this an error.";
    CODEPIPELINE_ALARM_APPROXIMATED = "P0905", "codepipeline-alarm-approximated",
        "An alarm cannot be watched exactly by a CodePipeline condition.",
        "A condition holds at most five rules, each one CloudWatch alarm in one \
         region, all of which must be quiet. An alarm whose expression is not a \
         plain OR of alarms gets no rule at all: the whole alarm is unwatched, so \
         a blocker on it never holds a stage back, a bake never rolls back on it, \
         and a bake that watches no other alarm does not wait either (CodePipeline \
         waits only through an alarm rule). Rules beyond the first five of a \
         condition are dropped, and a stage deploying to several regions checks \
         its alarms in the pipeline's region only, so the other regions' alarms \
         are unwatched. Name a composite alarm in `composite_alarms` of \
         `[codepipeline]` to map an alarm to one rule. `--deny-lossy` makes this \
         an error.";
    CODEPIPELINE_QUOTA = "P0906", "codepipeline-quota",
        "The export exceeds a CodePipeline quota or API limit.",
        "CodePipeline allows 50 stages per pipeline, 50 actions per stage, \
         `runOrder` up to 999 and 1000 characters in an action's configuration \
         value. Waves become one stage per bake they hold, so a wave of more \
         than 50 regions, or too many waves, do not fit: split the wave or the \
         pipeline (docs/targets/codepipeline.md says how), or ask AWS for a \
         quota increase. A CodeBuild action carries its build's or test's \
         command, the command's values and its `env` in one value: shorten \
         them, or give long values to the CodeBuild project instead.";
    CODEPIPELINE_DEPLOY_APPROXIMATED = "P0907", "codepipeline-deploy-approximated",
        "A deploy step cannot be expressed exactly as a CodePipeline deploy action.",
        "CodePipeline's deploy actions take one input artifact: a step that \
         deploys several artifacts deploys only the first. Package what is \
         deployed together as one artifact. A deploy's `run` and `rollback` \
         commands (and the `env` they run with) are not run either: the ECS or \
         CodeDeploy action deploys the artifact itself and CodePipeline rolls a \
         failed stage back, so what the commands do beyond that is lost. Put it \
         in the deployment's own configuration (the ECS service, the CodeDeploy \
         application's lifecycle hooks). `--deny-lossy` makes this an error.";
    CODEPIPELINE_ENV_DROPPED = "P0908", "codepipeline-env-dropped",
        "A build's or test's `env` entry cannot be carried into its CodeBuild action.",
        "A build's or test's `env` entries become the CodeBuild action's \
         environment variables, values as `PLAINTEXT`. A `secret(\"NAME\")` \
         names a variable of the runner's environment, which has no counterpart \
         in CodePipeline (a Secrets Manager secret or a Parameter Store \
         parameter has a name of its own), and CodeBuild keeps the names starting \
         with `CODEBUILD_` for itself: such an entry is left out. Give the \
         CodeBuild project the variable instead (type `SECRETS_MANAGER` or \
         `PARAMETER_STORE` for a secret). `--deny-lossy` makes this an error.";
    // Errors of the command line itself: no source location.
    CLI_NO_SUCH_FILE = "P1001", "no-such-file",
        "A path named on the command line does not exist.",
        "The file or directory named as an argument (or, for `diff --git REV PATH`, the path at that revision) is not there. Check the spelling and the current directory; `-` reads standard input.";
    CLI_CANNOT_READ_OR_WRITE = "P1002", "cannot-read-or-write",
        "A file or directory could not be read or written.",
        "The operating system refused or failed: no permission, a path that is not a regular file (a device, a FIFO, a link to one), a directory that cannot be listed, or a failed write (a full disk). The message names the path and the reason; nothing is half-written, since output files are replaced atomically.";
    CLI_USAGE = "P1003", "usage",
        "The command line asks for something that cannot be done.",
        "Flags or arguments that do not go together, a flag's value that is not valid, or a name that names nothing: an unknown pipeline for `--pipeline`, an unknown code or rule for `--select`, `explain`, a file with several pipelines given to a command that takes one. The help line says what would work; `pipec COMMAND --help` lists every flag.";
    CLI_SETTINGS_INVALID = "P1004", "settings-invalid",
        "The workspace's pipec.toml cannot be used.",
        "`pipec.toml` is read strictly: TOML syntax, a key that is not in the file's schema (a typo is never ignored), a value of the wrong type, or an exclude glob that is not a glob. The message names the file and the line; docs/language.md lists every key, and schemas/pipec-toml.schema.json lets an editor check the file.";
    CLI_GIT_FAILED = "P1005", "git-failed",
        "`diff --git` could not get the revision.",
        "`pipec diff --git REV` runs git to find the work tree, check the revision and unpack it. The revision may not exist (fetch it first for a remote branch), the directory may not be in a git work tree, or git may not be installed.";
    CLI_INPUT_INVALID = "P1006", "input-invalid",
        "A plan or scenario file is not valid.",
        "`simulate`, `run` and `graph` read plans as `pipec compile` writes them, and `simulate --scenario` reads scenarios (format 1.0). A file that is not JSON, does not follow the schema, or holds values that cannot be simulated is refused as a whole with the reason; nothing is guessed.";
    CLI_OUTSIDE_WORKSPACE = "P1007", "outside-workspace",
        "A file named on the command line leads outside its workspace.",
        "An entry file must lie inside its workspace root (the nearest directory above it with `pipec.toml`, else its own directory) once links are resolved, as imports must. A link that leads elsewhere (to `/proc/self/environ`, to another checkout) is refused before anything is read, so its contents can never reach a diagnostic.";
    CLI_WOULD_OVERWRITE = "P1008", "would-overwrite",
        "`pipec init` would overwrite a file.",
        "`pipec init` writes a new workspace and never replaces a file: when any file it would create exists already, it writes nothing and names them. Run it in a new or empty directory, or move the files away.";
    CLI_RUN_REFUSED = "P1009", "run-refused",
        "`pipec run` cannot start, or cannot go on keeping its state.",
        "A run needs its inputs and its state to be sound before a command runs: \
         every secret the plan names set, a state directory no other run holds \
         (the lock), a journal that belongs to this plan and whose records add \
         up, and a journal it can keep writing. The message says which failed and \
         the help line what to do; nothing ran, or the run stopped its commands \
         before anything went unrecorded. See docs/execution.md.";
}
