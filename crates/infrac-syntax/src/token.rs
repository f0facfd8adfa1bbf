//! Tokens. They carry no text: the text is the source slice under the token's span, which keeps
//! tokens `Copy` and the token stream small.

use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Kind {
    Ident,
    KwBucket,
    KwFunction,
    KwTask,
    KwSchedule,
    KwService,
    KwSecret,
    KwLet,
    KwOutput,
    KwReads,
    KwWrites,
    KwRuns,
    KwInvokes,
    KwEvent,
    KwTrue,
    KwFalse,
    Int,
    Duration,
    Size,
    /// A number the lexer already reported as bad (E0002); it parses as an expression.
    BadNumber,
    /// `"` opening a string.
    StrOpen,
    /// Literal text of a string, escapes included as written.
    StrText,
    /// `${` inside a string.
    InterpOpen,
    /// `}` closing an interpolation.
    InterpClose,
    /// `"` closing a string (zero-width when the string was unterminated).
    StrClose,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Eq,
    Dot,
    Arrow,
    Semi,
    Comma,
}

impl Kind {
    /// Opens a nesting level: a bracket, a brace, a string or an interpolation.
    pub fn opens(self) -> bool {
        matches!(
            self,
            Kind::LBrace | Kind::LBracket | Kind::LParen | Kind::StrOpen | Kind::InterpOpen
        )
    }

    /// Closes what [`Kind::opens`] opened.
    pub fn closes(self) -> bool {
        matches!(
            self,
            Kind::RBrace | Kind::RBracket | Kind::RParen | Kind::StrClose | Kind::InterpClose
        )
    }

    pub fn keyword(text: &str) -> Option<Kind> {
        Some(match text {
            "bucket" => Kind::KwBucket,
            "function" => Kind::KwFunction,
            "task" => Kind::KwTask,
            "schedule" => Kind::KwSchedule,
            "service" => Kind::KwService,
            "secret" => Kind::KwSecret,
            "let" => Kind::KwLet,
            "output" => Kind::KwOutput,
            "reads" => Kind::KwReads,
            "writes" => Kind::KwWrites,
            "runs" => Kind::KwRuns,
            "invokes" => Kind::KwInvokes,
            "event" => Kind::KwEvent,
            "true" => Kind::KwTrue,
            "false" => Kind::KwFalse,
            _ => return None,
        })
    }

    /// The keywords that begin a declaration: a line starting with one starts a new item.
    pub fn starts_item(self) -> bool {
        matches!(
            self,
            Kind::KwBucket
                | Kind::KwFunction
                | Kind::KwTask
                | Kind::KwSchedule
                | Kind::KwService
                | Kind::KwSecret
                | Kind::KwLet
                | Kind::KwOutput
        )
    }

    pub fn is_keyword(self) -> bool {
        self.starts_item()
            || matches!(
                self,
                Kind::KwReads
                    | Kind::KwWrites
                    | Kind::KwRuns
                    | Kind::KwInvokes
                    | Kind::KwEvent
                    | Kind::KwTrue
                    | Kind::KwFalse
            )
    }

    /// How the token is named in "expected ..." messages.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Ident => "a name",
            Kind::KwBucket => "`bucket`",
            Kind::KwFunction => "`function`",
            Kind::KwTask => "`task`",
            Kind::KwSchedule => "`schedule`",
            Kind::KwService => "`service`",
            Kind::KwSecret => "`secret`",
            Kind::KwLet => "`let`",
            Kind::KwOutput => "`output`",
            Kind::KwReads => "`reads`",
            Kind::KwWrites => "`writes`",
            Kind::KwRuns => "`runs`",
            Kind::KwInvokes => "`invokes`",
            Kind::KwEvent => "`event`",
            Kind::KwTrue => "`true`",
            Kind::KwFalse => "`false`",
            Kind::Int | Kind::BadNumber => "a number",
            Kind::Duration => "a duration",
            Kind::Size => "a size",
            Kind::StrOpen => "a string",
            Kind::StrText => "string text",
            Kind::InterpOpen => "`${`",
            Kind::InterpClose | Kind::RBrace => "`}`",
            Kind::StrClose => "`\"`",
            Kind::LBrace => "`{`",
            Kind::LBracket => "`[`",
            Kind::RBracket => "`]`",
            Kind::LParen => "`(`",
            Kind::RParen => "`)`",
            Kind::Eq => "`=`",
            Kind::Dot => "`.`",
            Kind::Arrow => "`->`",
            Kind::Semi => "`;`",
            Kind::Comma => "`,`",
        }
    }
}

/// One token: its kind, and whether it is the first token on its line (used to resynchronise
/// after a syntax error in a language where newlines are otherwise insignificant).
#[derive(Clone, Copy, Debug)]
pub struct Token {
    pub kind: Kind,
    pub line_start: bool,
}

impl Token {
    pub const fn new(kind: Kind) -> Self {
        Self {
            kind,
            line_start: false,
        }
    }
}

/// Tokens are equal when their kinds are: `line_start` is layout, not identity. This lets the
/// parser say `just(Token::new(Kind::RBrace))` and get "expected `}`" in its errors.
impl PartialEq for Token {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

impl Eq for Token {}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.describe())
    }
}
