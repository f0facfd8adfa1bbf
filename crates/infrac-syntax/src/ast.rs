//! The syntax tree of one `.infra` file. Every node keeps its byte span; comments are kept
//! beside the items (the formatter puts them back, hover shows `///` docs).

use crate::lexer::Comment;
use crate::span::Span;
use std::sync::Arc;

/// An identifier or a short text from the source. Names are short: up to 24 bytes sit inside
/// the value itself, without an allocation of their own, and a copy is a copy of 24 bytes.
pub type Name = compact_str::CompactString;

#[derive(Clone, Debug, PartialEq, Default)]
pub struct SourceFile {
    pub items: Vec<Item>,
    pub comments: Vec<Comment>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ident {
    pub text: Name,
    pub span: Span,
}

/// The kinds of resource the language knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceKind {
    Bucket,
    Function,
    Task,
    Schedule,
    Service,
    /// A value kept in SSM Parameter Store, never in a program, plan or state.
    Secret,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 6] = [
        ResourceKind::Bucket,
        ResourceKind::Function,
        ResourceKind::Task,
        ResourceKind::Schedule,
        ResourceKind::Service,
        ResourceKind::Secret,
    ];

    pub fn keyword(self) -> &'static str {
        match self {
            ResourceKind::Bucket => "bucket",
            ResourceKind::Function => "function",
            ResourceKind::Task => "task",
            ResourceKind::Schedule => "schedule",
            ResourceKind::Service => "service",
            ResourceKind::Secret => "secret",
        }
    }

    pub fn from_keyword(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.keyword() == text)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    // Behind a pointer: the parser moves items through many layers, and a 16-byte item moves
    // faster than a 250-byte one. Shared: a parse after an edit keeps the items the edit did
    // not touch (`incremental.rs`) without copying them.
    Resource(Arc<Resource>),
    Trigger(Arc<Trigger>),
    Let(Arc<Binding>),
    Output(Arc<Binding>),
    /// Tokens the parser skipped after a syntax error (already reported).
    Error(Span),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Resource(r) => r.span,
            Item::Trigger(t) => t.span,
            Item::Let(b) | Item::Output(b) => b.span,
            Item::Error(span) => *span,
        }
    }
}

/// The word before a resource's name. `kind` is `None` for a word that is no kind
/// (`buckt media`), which the checker reports as E0101.
#[derive(Clone, Debug, PartialEq)]
pub struct KindWord {
    pub kind: Option<ResourceKind>,
    pub text: Name,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    pub doc: Option<String>,
    pub kind: KindWord,
    pub name: Ident,
    pub block: Option<Block>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub members: Vec<Member>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Member {
    Attr(Attr),
    Access(Access),
    Error(Span),
}

impl Member {
    pub fn span(&self) -> Span {
        match self {
            Member::Attr(a) => a.span,
            Member::Access(a) => a.span,
            Member::Error(span) => *span,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attr {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccessMode {
    Reads,
    Writes,
    /// `runs T`: starts task T (ECS RunTask).
    Runs,
    /// `invokes F`: calls function F (Lambda Invoke).
    Invokes,
}

impl AccessMode {
    pub const ALL: [AccessMode; 4] = [
        AccessMode::Reads,
        AccessMode::Writes,
        AccessMode::Runs,
        AccessMode::Invokes,
    ];

    pub fn keyword(self) -> &'static str {
        match self {
            AccessMode::Reads => "reads",
            AccessMode::Writes => "writes",
            AccessMode::Runs => "runs",
            AccessMode::Invokes => "invokes",
        }
    }
}

/// `reads media`, `writes media("*.jpg")`, `runs ffmpeg`, `invokes resize`.
#[derive(Clone, Debug, PartialEq)]
pub struct Access {
    pub mode: AccessMode,
    pub mode_span: Span,
    /// The resource the access names: a bucket or secret (`reads`), a bucket (`writes`), a
    /// task (`runs`) or a function (`invokes`). The field keeps its v0 name.
    pub bucket: Ident,
    /// `writes media("*.jpg")`: the keys the access is narrowed to.
    pub pattern: Option<StrLit>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    Function,
    Task,
}

impl TargetKind {
    pub fn resource_kind(self) -> ResourceKind {
        match self {
            TargetKind::Function => ResourceKind::Function,
            TargetKind::Task => ResourceKind::Task,
        }
    }
}

/// `source.event("pattern") -> task target { ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct Trigger {
    pub doc: Option<String>,
    pub source: Ident,
    pub event: Ident,
    pub pattern: Option<StrLit>,
    /// The parentheses and what is between them.
    pub args_span: Span,
    pub target_kind: TargetKind,
    pub target_kind_span: Span,
    pub target: Ident,
    pub block: Option<Block>,
    pub span: Span,
}

/// `let NAME = expr` and `output NAME = expr`.
#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    pub doc: Option<String>,
    pub keyword_span: Span,
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationUnit {
    Seconds,
    Minutes,
    Hours,
    Days,
}

impl DurationUnit {
    pub fn seconds(self) -> u64 {
        match self {
            DurationUnit::Seconds => 1,
            DurationUnit::Minutes => 60,
            DurationUnit::Hours => 3600,
            DurationUnit::Days => 86_400,
        }
    }

    pub fn suffix(self) -> &'static str {
        match self {
            DurationUnit::Seconds => "s",
            DurationUnit::Minutes => "m",
            DurationUnit::Hours => "h",
            DurationUnit::Days => "d",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeUnit {
    /// MiB, as AWS means MB.
    Mb,
    /// GiB, as AWS means GB.
    Gb,
}

impl SizeUnit {
    pub fn mebibytes(self) -> u64 {
        match self {
            SizeUnit::Mb => 1,
            SizeUnit::Gb => 1024,
        }
    }

    pub fn suffix(self) -> &'static str {
        match self {
            SizeUnit::Mb => "MB",
            SizeUnit::Gb => "GB",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Str(StrLit),
    Int(i64),
    Duration {
        value: u64,
        unit: DurationUnit,
    },
    Size {
        value: u64,
        unit: SizeUnit,
    },
    Bool(bool),
    List(Vec<Expr>),
    Map(Vec<MapEntry>),
    /// `media.name`, `event.key`, a `let` name.
    Path(Vec<Ident>),
    /// A value the parser or lexer could not read (already reported).
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MapEntry {
    pub key: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StrLit {
    pub parts: Vec<StrPart>,
    pub span: Span,
}

impl StrLit {
    /// The string's value when it has no interpolation.
    pub fn as_plain(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                StrPart::Text { value, .. } => out.push_str(value),
                StrPart::Interp(_) => return None,
            }
        }
        Some(out)
    }

    /// The span of the text between the quotes.
    pub fn inner_span(&self) -> Span {
        let end = self.span.end().saturating_sub(1).max(self.span.start() + 1);
        Span::new((self.span.start() + 1).min(end), end)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum StrPart {
    /// Literal text: `value` has escapes applied, `span` covers it as written.
    Text { value: Name, span: Span },
    /// `${ expr }`
    Interp(Expr),
}
