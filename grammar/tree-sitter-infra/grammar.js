/**
 * @file Tree-sitter grammar for the `.infra` language (v1).
 *
 * The contract is the project's language reference: items are resources
 * (`bucket function task schedule service secret`), triggers, `let` and
 * `output` declarations; members are attributes and accesses (`reads writes
 * runs invokes`); `;` and `,` are optional separators after any item, member,
 * list element or map entry; newlines are insignificant.
 *
 * @license MIT
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

/**
 * Zero or more `rule`s, each optionally followed by one `;` or `,`.
 *
 * @param {GrammarSymbols<string>} $
 * @param {RuleOrLiteral} rule
 * @returns {RuleOrLiteral}
 */
function separated($, rule) {
  return repeat(seq(rule, optional($._separator)));
}

module.exports = grammar({
  name: 'infra',

  // Whitespace (newlines included), comments and doc comments may appear
  // between any two tokens.
  extras: $ => [/\s/, $.doc_comment, $.comment],

  // Keywords are extracted from identifiers: `bucketx` is an identifier, not
  // `bucket` followed by `x`.
  word: $ => $.identifier,

  // Keywords are reserved: `bucket` is never a resource, attribute or let
  // name, so a block left open before the next `bucket ...` recovers as a
  // missing `}`. After a `.` any identifier is a field (`event.bucket`).
  // Reserved-word sets exist only in ABI 15 parsers; the committed parser is
  // generated with `--abi 14` (so Neovim 0.9/0.10 load it), where a keyword
  // is taken as a keyword only where one may stand and as an identifier
  // elsewhere (see README.md).
  reserved: {
    global: _ => [
      'bucket', 'function', 'task', 'schedule', 'service', 'secret',
      'let', 'output', 'reads', 'writes', 'runs', 'invokes',
      'event', 'true', 'false',
    ],
    field: _ => [],
  },

  supertypes: $ => [$._item, $._member, $._expression],

  rules: {
    source_file: $ => separated($, $._item),

    _item: $ => choice(
      $.resource,
      $.trigger,
      $.let_declaration,
      $.output_declaration,
    ),

    _separator: _ => choice(';', ','),

    // ---------------------------------------------------------------- items

    // `bucket media { ... }`, `bucket media;`, `bucket media`,
    // `secret signing_key` (a secret has no attributes; `secret k {}` parses
    // like any other resource, and the checker reports any attribute in it).
    // `buckt media { ... }` parses too, with an `unknown_kind`, as it does in
    // the compiler, which reports it as E0101 with a suggestion.
    resource: $ => seq(
      field('kind', choice($.resource_kind, alias($.identifier, $.unknown_kind))),
      field('name', $.identifier),
      optional(field('body', $.block)),
    ),

    resource_kind: _ => choice(
      'bucket', 'function', 'task', 'schedule', 'service', 'secret',
    ),

    // `media.on_put(".mp4") -> task ffmpeg { env = { ... } }`. Only a
    // function or a task is a target: `-> service web` is a syntax error.
    trigger: $ => seq(
      field('source', $.identifier),
      '.',
      field('event', reserved('field', $.identifier)),
      '(',
      optional(field('pattern', $.string)),
      ')',
      '->',
      field('target_kind', alias(choice('function', 'task'), $.resource_kind)),
      field('target', $.identifier),
      optional(field('body', $.block)),
    ),

    // `let prefix = "uploads/"`
    let_declaration: $ => seq(
      'let',
      field('name', $.identifier),
      '=',
      field('value', $._expression),
    ),

    // `output bucket_name = media.name`
    output_declaration: $ => seq(
      'output',
      field('name', $.identifier),
      '=',
      field('value', $._expression),
    ),

    // -------------------------------------------------------------- members

    block: $ => seq('{', separated($, $._member), '}'),

    _member: $ => choice($.attribute, $.access),

    // `memory = 512MB`
    attribute: $ => seq(
      field('name', $.identifier),
      '=',
      field('value', $._expression),
    ),

    // `reads media`, `writes media("*.jpg")`, `runs ffmpeg`, `invokes resize`
    access: $ => seq(
      field('mode', $.access_mode),
      field('target', $.reference),
    ),

    access_mode: _ => choice('reads', 'writes', 'runs', 'invokes'),

    reference: $ => seq(
      field('name', $.identifier),
      optional(seq('(', field('pattern', $.string), ')')),
    ),

    // ---------------------------------------------------------- expressions

    _expression: $ => choice(
      $.string,
      $.integer,
      $.duration,
      $.size,
      $.boolean,
      $.list,
      $.map,
      $.path,
    ),

    // `[a, b]`, `["sh", "-c", "echo hi"]`
    list: $ => seq('[', separated($, field('element', $._expression)), ']'),

    // `{ KEY = expr ... }`
    map: $ => seq('{', separated($, $.map_entry), '}'),

    map_entry: $ => seq(
      field('key', $.identifier),
      '=',
      field('value', $._expression),
    ),

    // `media.name`, `event.key`, `prefix`
    path: $ => seq(
      field('root', choice($.identifier, $.event)),
      repeat(seq('.', field('field', reserved('field', $.identifier)))),
    ),

    event: _ => 'event',

    boolean: _ => choice('true', 'false'),

    // One integer and a unit, with no space between: `30s 5m 1h 7d`.
    duration: _ => /[0-9]+(s|m|h|d)/,

    // `512MB 1GB` (MB = MiB, GB = GiB).
    size: _ => /[0-9]+(MB|GB)/,

    integer: _ => /[0-9]+/,

    // Strings are single-line; `\" \\ \n \t \$` are the escapes and `${expr}`
    // interpolates.
    string: $ => seq(
      '"',
      repeat(choice(
        $.string_content,
        $.escape_sequence,
        $.interpolation,
      )),
      token.immediate('"'),
    ),

    // prec(1) so that `"// not a comment"` stays a string. A lone `$` that
    // does not start `${` is literal text.
    string_content: _ => choice(
      token.immediate(prec(1, /[^"\\$\r\n]+/)),
      token.immediate('$'),
    ),

    escape_sequence: _ => token.immediate(seq('\\', /["\\nt$]/)),

    interpolation: $ => seq(
      token.immediate('${'),
      field('expression', $._expression),
      '}',
    ),

    identifier: _ => /[A-Za-z_][A-Za-z0-9_]*/,

    // ------------------------------------------------------------- comments

    // `/// text` (but not `////`): documents the declaration that follows.
    doc_comment: _ => token(seq('///', optional(seq(/[^/\n]/, /[^\n]*/)))),

    // `// text`, `//// text`, `/* text */` (not nested).
    comment: _ => token(choice(
      seq('//', optional(choice(seq(/[^/\n]/, /[^\n]*/), seq('//', /[^\n]*/)))),
      seq('/*', /[^*]*\*+([^/*][^*]*\*+)*/, '/'),
    )),
  },
});
