//! The one diagnostic type every pass produces and both renderers (terminal and JSON) read.

use crate::span::{FileId, Span};
use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, Debug, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

macro_rules! codes {
    ($($code:ident => $severity:ident, $summary:literal;)*) => {
        /// Stable diagnostic codes (see `docs/reference.md`); tools and tests depend on them.
        #[derive(Clone, Copy, PartialEq, Eq, Debug, PartialOrd, Ord, Hash)]
        pub enum Code { $($code,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$code,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$code => stringify!($code),)* }
            }

            pub fn severity(self) -> Severity {
                match self { $(Code::$code => Severity::$severity,)* }
            }

            /// One line saying when the code is reported.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$code => $summary,)* }
            }

            pub fn parse(text: &str) -> Option<Code> {
                match text { $(stringify!($code) => Some(Code::$code),)* _ => None }
            }
        }
    };
}

codes! {
    E0001 => Error, "syntax error: unexpected or missing token";
    E0002 => Error, "lexical error: unterminated string or comment, bad escape, bad character, bad number or unit";
    E0003 => Error, "bad project settings in infra.toml";
    E0101 => Error, "unknown resource kind";
    E0102 => Error, "a name declared twice in the project";
    E0103 => Error, "a name that is not declared";
    E0104 => Error, "a reference to a resource of the wrong kind";
    E0201 => Error, "unknown attribute for this kind";
    E0202 => Error, "required attribute missing";
    E0203 => Error, "type mismatch";
    E0204 => Error, "value outside its range or set";
    E0205 => Error, "both or neither of two exclusive attributes";
    E0206 => Error, "Fargate cpu/memory combination that AWS rejects";
    E0207 => Error, "attribute set twice in one block";
    E0208 => Error, "an attribute that only has a meaning together with another that is not set";
    E0209 => Error, "an env key that an access also sets";
    E0210 => Error, "a secret's value where it would be stored or shown in plain text";
    E0301 => Error, "event that this kind does not have";
    E0302 => Error, "bad key pattern";
    E0303 => Error, "overlapping function triggers on the same bucket and event";
    E0304 => Error, "a block where a trigger takes none, or a member other than env";
    E0305 => Error, "event used outside a trigger block, or a field its event does not have";
    E0306 => Error, "a loop that would run forever (a trigger loop, or a cycle of runs and invokes)";
    E0401 => Error, "a code or build path that does not exist";
    E0402 => Error, "a cron or every value that is not valid";
    W0001 => Warning, "a function or task that nothing triggers";
    W0002 => Warning, "a deprecated Lambda runtime";
    W0003 => Warning, "a resource name that is not lower snake case";
    W0004 => Warning, "a code or build path outside the project";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A second place a diagnostic points at ("first declared here").
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Label {
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

/// A machine-applicable edit that fixes the problem (used by quick fixes in editors).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Fix {
    /// What the editor shows, e.g. "Replace with `memory`".
    pub title: String,
    pub edits: Vec<TextEdit>,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TextEdit {
    pub file: FileId,
    pub span: Span,
    pub replacement: String,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub file: FileId,
    pub span: Span,
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    pub fixes: Vec<Fix>,
}

impl Diagnostic {
    pub fn new(code: Code, file: FileId, span: Span, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.severity(),
            file,
            span,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            fixes: Vec::new(),
        }
    }

    #[must_use]
    pub fn with_label(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            file,
            span,
            message: message.into(),
        });
        self
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    #[must_use]
    pub fn with_fix(
        mut self,
        title: impl Into<String>,
        span: Span,
        replacement: impl Into<String>,
    ) -> Self {
        let file = self.file;
        self.fixes.push(Fix {
            title: title.into(),
            edits: vec![TextEdit {
                file,
                span,
                replacement: replacement.into(),
            }],
        });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
