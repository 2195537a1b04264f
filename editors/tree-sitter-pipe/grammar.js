/**
 * @file tree-sitter grammar for `.pipe`, the language of pipec.
 *
 * `grammar/pipe.pest` is the real grammar and `docs/language.md` the
 * reference; this file follows the pest grammar rule by rule, so that an
 * editor reads a file the way `pipec` does. tests/editor_tree_sitter.rs
 * parses every file pipec accepts (and every one it rejects with a syntax
 * error) with this grammar to keep the two in step.
 *
 * Keywords are contextual, as in pest: a word is a keyword only where a
 * construct starting with it may stand, and a name everywhere else. The
 * words pest never accepts as names are `reserved` here too.
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

// Words that can never be names (pest's `reserved`).
const RESERVED = [
  'and', 'or', 'not', 'where', 'take', 'union', 'intersect', 'minus',
  'in', 'true', 'false', 'overridable', 'because', 'extends',
];

// Keywords that start a member and may also be the name of a field
// (`bake = 12h`, `traffic = high`): pest tries fields first.
const MEMBER_KEYWORDS = [
  'wave', 'stage', 'test', 'deploy', 'alarm', 'onebox', 'rollback', 'block',
  'window', 'require', 'wait', 'by', 'region', 'holiday', 'source', 'build',
  'production', 'profile', 'exclude', 'bake', 'traffic', 'include', 'deny',
  'warn', 'allow', 'exempt', 'under', 'floor', 'remove', 'env',
];

// Keywords that may continue a member whose last part is optional, and
// may also name a field that follows it: after `build bundle`, `from`
// starts either `from code` or a field `from = ...`. Both are tried
// (a conflict below), as pest backtracks.
const CLAUSE_KEYWORDS = ['from', 'for'];

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const IDENT = /[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*/;
// Underscores are read after any digit, as pest reads them; where they may
// stand is the compiler's to check (P0006).
const DIGITS = '[0-9][0-9_]*';

const PREC = {
  or: 1,
  and: 2,
  not: 3,
  set: 4,
  postfix: 5,
  cond_or: 11,
  cond_and: 12,
  cond_not: 13,
};

/**
 * @param {RuleOrLiteral} rule
 * @param {RuleOrLiteral} separator
 */
function sep1(rule, separator) {
  return seq(rule, repeat(seq(separator, rule)));
}

module.exports = grammar({
  name: 'pipe',

  extras: $ => [/[ \t\r\n\uFEFF]/, $.comment],

  word: $ => $.identifier,

  conflicts: $ => [
    [$.build_declaration],
    [$.window_statement],
  ],

  reserved: {
    global: _ => RESERVED,
  },

  rules: {
    source_file: $ => repeat(choice($._item, ';')),

    _item: $ => choice(
      $.import_declaration,
      $.registry_declaration,
      $.calendar_declaration,
      $.window_declaration,
      $.alarm_declaration,
      $.template_declaration,
      $.pipeline_declaration,
      $.policy_declaration,
    ),

    import_declaration: $ => seq(
      'import',
      field('path', $.string),
      optional(seq('as', field('alias', $.identifier))),
    ),

    registry_declaration: $ => seq(
      'registry', field('name', $.identifier),
      optional($.extends_clause), field('body', $.block),
    ),
    calendar_declaration: $ => seq('calendar', field('name', $.identifier), field('body', $.block)),
    window_declaration: $ => seq('window', field('name', $.identifier), field('body', $.block)),
    template_declaration: $ => seq(
      'template', field('name', $.identifier),
      optional($.extends_clause), field('body', $.block),
    ),
    pipeline_declaration: $ => seq(
      'pipeline', field('name', $.identifier),
      optional($.extends_clause), field('body', $.block),
    ),
    policy_declaration: $ => seq('policy', field('name', $.identifier), field('body', $.block)),

    extends_clause: $ => seq('extends', field('parent', $.path)),

    block: $ => seq('{', repeat(choice($._member, ';')), '}'),

    // ---------------------------------------------------------------
    // Members. Modifiers stand before the member they modify, as its
    // siblings; which members a body may hold is checked by pipec.

    _member: $ => seq(repeat($.modifier), $._member_kind),

    modifier: _ => choice('abstract', 'final', 'new'),

    _member_kind: $ => choice(
      $.field_assignment,
      $.field_declaration,
      $.wave_declaration,
      $.stage_declaration,
      $.test_declaration,
      $.deploy_statement,
      $.alarm_declaration,
      $.onebox_declaration,
      $.rollback_statement,
      $.block_statement,
      $.window_statement,
      $.require_statement,
      $.wait_statement,
      $.scope_statement,
      $.region_declaration,
      $.holiday_statement,
      $.source_declaration,
      $.build_declaration,
      $.production_declaration,
      $.profile_declaration,
      $.exclude_statement,
      $.bake_scale_statement,
      $.traffic_statement,
      $.include_statement,
      $.level_statement,
      $.exempt_statement,
      $.under_statement,
      $.floor_statement,
      $.remove_statement,
      $.env_statement,
    ),

    // A field's name: any name, member keywords included.
    _field_name: $ => choice(
      $.identifier,
      alias(choice(...MEMBER_KEYWORDS, ...CLAUSE_KEYWORDS), $.identifier),
    ),

    // `bake = 12h`, `regions += [eu-west-3]`, `regions -= [me-south-1]`
    field_assignment: $ => seq(
      field('name', $._field_name),
      field('operator', choice('=', '+=', '-=')),
      field('value', $._expression),
    ),

    // `service : string`, `bake : duration = 1h`
    field_declaration: $ => seq(
      field('name', $._field_name),
      ':',
      field('type', $._type),
      optional(seq('=', field('value', $._expression))),
    ),

    _type: $ => choice($.list_type, alias($.identifier, $.type_identifier)),
    list_type: $ => seq('[', field('element', $._type), ']'),

    // `alarm high_severity = ALARM("...")`, `abstract alarm high_severity`
    alarm_declaration: $ => seq(
      'alarm', field('name', $.identifier),
      optional(seq('=', field('value', $._expression))),
    ),

    source_declaration: $ => seq(
      'source', field('name', $.identifier), '=', field('value', $._expression),
      optional(field('body', $.block)),
    ),

    build_declaration: $ => seq(
      'build', field('name', $.identifier),
      optional(seq('from', sep1(field('input', $.path), ','))),
      optional(field('body', $.block)),
    ),

    stage_declaration: $ => seq('stage', field('name', $.identifier), field('body', $.block)),
    production_declaration: $ => seq('production', field('body', $.block)),
    wave_declaration: $ => seq('wave', field('name', $.identifier), field('body', $.block)),
    onebox_declaration: $ => seq('onebox', optional(field('body', $.block))),
    test_declaration: $ => seq('test', field('name', $.identifier), optional(field('body', $.block))),
    deploy_statement: $ => seq(
      'deploy', sep1(field('artifact', $.path), ','), optional(field('body', $.block)),
    ),
    profile_declaration: $ => seq('profile', field('name', $.identifier), field('body', $.block)),

    rollback_statement: $ => seq('rollback', 'on', field('alarm', $._expression)),

    // `block on a, b overridable`, `block artifacts containing package "x"`
    block_statement: $ => seq('block', choice($.artifact_blocker, $.alarm_blockers)),
    alarm_blockers: $ => seq('on', sep1($.blocker, ',')),
    blocker: $ => seq(field('alarm', $._expression), optional($.overridable)),
    artifact_blocker: $ => seq(
      'artifacts', 'containing', field('kind', $.artifact_kind),
      field('pattern', $.string), optional($.overridable),
    ),
    artifact_kind: _ => choice('package', 'git'),
    overridable: _ => 'overridable',

    // `window business_hours`, `window { ... }`,
    // `window emergency_hours for profile emergency`
    window_statement: $ => seq('window', choice(
      field('body', $.block),
      seq(
        field('window', $.path),
        optional($.overridable),
        optional(seq('for', 'profile', field('profile', $.identifier))),
      ),
    )),

    require_statement: $ => seq('require', field('requirement', $._expression)),
    wait_statement: $ => seq('wait', 'for', field('count', $.quantity), field('metric', $._expression)),
    scope_statement: $ => seq('by', field('scope', $.identifier), optional(field('body', $.block))),
    exclude_statement: $ => seq(
      'exclude', field('regions', $._expression), 'because', field('reason', $.string),
    ),
    bake_scale_statement: $ => seq('bake', 'scale', field('scale', $.quantity)),
    traffic_statement: $ => seq('traffic', '<=', field('limit', $._expression)),
    region_declaration: $ => seq('region', field('name', $.identifier), optional(field('body', $.block))),
    holiday_statement: $ => seq(
      'holiday', field('date', choice($.date_range, $.date)), field('name', $.string),
    ),
    include_statement: $ => seq('include', field('calendar', $.path)),

    level_statement: $ => seq(
      field('level', $.level), sep1(field('rule', $.identifier), ','),
    ),
    level: _ => choice('deny', 'warn', 'allow'),
    exempt_statement: $ => seq(
      'exempt', field('pipeline', $.path), 'from', field('rule', $.identifier),
      field('body', $.block),
    ),
    under_statement: $ => seq('under', field('profile', $.identifier), field('body', $.block)),
    floor_statement: $ => seq('floor', field('name', $.identifier), '=', field('value', $._expression)),
    env_statement: $ => seq('env', field('name', $.identifier), '=', field('value', $._expression)),

    remove_statement: $ => seq('remove', field('kind', $.member_keyword), field('name', $.identifier)),
    member_keyword: _ => choice(
      'stage', 'wave', 'test', 'alarm', 'source', 'build', 'profile', 'region',
    ),

    // ---------------------------------------------------------------
    // Expressions: alarm expressions, region sets and plain values.

    _expression: $ => choice(
      $.binary_expression,
      $.not_expression,
      $._postfix,
    ),

    binary_expression: $ => choice(
      prec.left(PREC.or, seq(
        field('left', $._expression), field('operator', 'or'), field('right', $._expression),
      )),
      prec.left(PREC.and, seq(
        field('left', $._expression), field('operator', 'and'), field('right', $._expression),
      )),
      prec.left(PREC.set, seq(
        field('left', $._expression),
        field('operator', choice('union', 'intersect', 'minus')),
        field('right', $._expression),
      )),
    ),

    not_expression: $ => prec(PREC.not, seq('not', field('operand', $._expression))),

    _postfix: $ => choice($.where_expression, $.take_expression, $._primary),

    // `aws where traffic == low`
    where_expression: $ => prec(PREC.postfix, seq(
      field('set', $._postfix), 'where', field('condition', $._condition),
    )),
    // `aws take 1`
    take_expression: $ => prec(PREC.postfix, seq(
      field('set', $._postfix), 'take', field('count', $.quantity),
    )),

    _primary: $ => choice(
      $._literal,
      $.list,
      $.call,
      $.rest,
      $.path,
      $.parenthesized_expression,
    ),

    rest: _ => 'rest',
    parenthesized_expression: $ => seq('(', $._expression, ')'),
    list: $ => seq('[', optional(seq(sep1($._expression, ','), optional(','))), ']'),
    call: $ => seq(field('function', $.path), field('arguments', $.arguments)),
    arguments: $ => seq('(', optional(seq(sep1($.argument, ','), optional(','))), ')'),
    argument: $ => seq(
      optional(seq(field('name', $.identifier), ':')),
      field('value', $._expression),
    ),

    // Filter conditions: their own small grammar, so that `take` after a
    // condition belongs to the region set.
    _condition: $ => choice(
      alias($.condition_binary, $.binary_expression),
      alias($.condition_not, $.not_expression),
      alias($.condition_parenthesized, $.parenthesized_expression),
      $.comparison,
      $._operand,
    ),
    condition_binary: $ => choice(
      prec.left(PREC.cond_or, seq(
        field('left', $._condition), field('operator', 'or'), field('right', $._condition),
      )),
      prec.left(PREC.cond_and, seq(
        field('left', $._condition), field('operator', 'and'), field('right', $._condition),
      )),
    ),
    condition_not: $ => prec(PREC.cond_not, seq('not', field('operand', $._condition))),
    condition_parenthesized: $ => seq('(', $._condition, ')'),
    comparison: $ => seq(
      field('left', $._operand),
      field('operator', choice('==', '!=', 'in')),
      field('right', $._operand),
    ),
    _operand: $ => choice($._literal, $.list, $.path),

    // ---------------------------------------------------------------
    // Literals.

    _literal: $ => choice(
      $.string,
      $.date_range,
      $.date,
      $.time_range,
      $.time,
      $.weekday_slot,
      $.quantity,
      $.boolean,
    ),

    boolean: _ => choice('true', 'false'),

    // `mon`, `mon..thu`, `fri 09:00..12:00`
    weekday_slot: $ => seq(
      field('from', $.weekday),
      optional(seq('..', field('to', $.weekday))),
      optional(field('hours', $.time_range)),
    ),
    weekday: _ => choice(...WEEKDAYS),

    time_range: $ => seq(field('from', $.time), '..', field('to', $.time)),
    time: _ => /[0-9][0-9]?:[0-9][0-9]/,
    date_range: $ => seq(field('from', $.date), '..', field('to', $.date)),
    date: _ => /[0-9]{4}-[0-9]{2}-[0-9]{2}/,

    // `100`, `3_000`, `33%`, `2.5%`, `30m`, `1h30m`: the unit is checked
    // by pipec, as in pest.
    quantity: _ => token(choice(
      new RegExp(`${DIGITS}(\\.${DIGITS})?%`),
      new RegExp(`${DIGITS}(\\.${DIGITS})?([A-Za-z]+${DIGITS}(\\.${DIGITS})?)*[A-Za-z]*`),
    )),

    // One-line strings with `${name}` interpolation and `\` escapes.
    string: $ => seq(
      '"',
      repeat(choice(
        $.string_content,
        alias(token.immediate('$'), $.string_content),
        $.escape_sequence,
        $.interpolation,
      )),
      token.immediate('"'),
    ),
    string_content: _ => token.immediate(prec(1, /[^"\\$\n]+/)),
    escape_sequence: _ => token.immediate(/\\[^\n]/),
    interpolation: $ => seq(
      token.immediate('${'),
      field('path', alias($.interpolation_path, $.path)),
      token.immediate('}'),
    ),
    interpolation_path: $ => seq(
      alias(token.immediate(IDENT), $.identifier),
      repeat(seq(token.immediate('.'), alias(token.immediate(IDENT), $.identifier))),
    ),

    // ---------------------------------------------------------------
    // Names: `-` may join other characters (`us-east-1`, `onebox-first`).
    // A path is written without blanks: `aws.large_scale_event`.

    path: $ => seq(
      $.identifier,
      repeat(seq(token.immediate('.'), alias(token.immediate(IDENT), $.identifier))),
    ),
    identifier: _ => IDENT,

    comment: _ => token(seq('//', /[^\n]*/)),
  },
});
