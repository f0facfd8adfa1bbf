//! Secrets: where a secret's value may go (E0210). The value lives in SSM Parameter Store; the
//! only place a program may hand it on is a task's `env`, as a whole value, where it becomes
//! an ECS `secrets` entry that ECS reads when the container starts. Anywhere else (a function,
//! an interpolation, an output, a trigger's `env`, any other attribute) something would keep
//! it in plain text.

use super::{Checker, Code, Diagnostic, Expr, ExprKind, FileId, Resource, ResourceKind, Span};
use super::{LetState, StrPart, StrSegment, SymbolKind, Value};
use infrac_syntax::ast::{AccessMode, Member};
use infrac_syntax::{Fix, TextEdit};

/// Where a secret's value was found, for the message.
#[derive(Clone, Copy)]
pub(super) enum SecretPlace<'a> {
    /// An attribute of a declaration.
    Attr {
        kind: ResourceKind,
        attr: &'a str,
    },
    Output,
    TriggerEnv,
}

impl Checker<'_> {
    /// Whether `name` is declared as a secret.
    pub(super) fn is_secret(&self, name: &str) -> bool {
        self.names.get(name).is_some_and(|&id| {
            self.symbol(id).kind == SymbolKind::Resource(Some(ResourceKind::Secret))
        })
    }

    /// Whether a value holds a secret's value anywhere.
    pub(super) fn holds_secret(&self, value: &Value) -> bool {
        match value {
            Value::Str(segments) => segments.iter().any(|s| {
                matches!(s, StrSegment::Ref { resource, attr } if attr == "value" && self.is_secret(resource))
            }),
            Value::List(items) => items.iter().any(|v| self.holds_secret(v)),
            Value::Map(entries) => entries.values().any(|v| self.holds_secret(v)),
            _ => false,
        }
    }

    /// The places in an expression that bring a secret's value in: `NAME.value` itself, or a
    /// `let` that holds one. Empty when the value came some other way.
    fn secret_spans(&self, expr: &Expr, out: &mut Vec<(Span, Option<String>)>) {
        match &expr.kind {
            ExprKind::Path(parts) => {
                let Some(head) = parts.first() else { return };
                if parts.len() == 2 && parts[1].text == "value" && self.is_secret(&head.text) {
                    out.push((expr.span, Some(head.text.to_string())));
                } else if parts.len() == 1 {
                    if let Some(LetState::Done(Some(value))) = self.lets.get(head.text.as_str()) {
                        if self.holds_secret(value) {
                            out.push((expr.span, None));
                        }
                    }
                }
            }
            ExprKind::List(items) => {
                for item in items {
                    self.secret_spans(item, out);
                }
            }
            ExprKind::Map(entries) => {
                for entry in entries {
                    self.secret_spans(&entry.value, out);
                }
            }
            ExprKind::Str(lit) => {
                for part in &lit.parts {
                    if let StrPart::Interp(inner) = part {
                        self.secret_spans(inner, out);
                    }
                }
            }
            _ => {}
        }
    }

    /// E0210 for a secret's value put into a string: the string would hold it in plain text.
    /// `true` when the interpolated value is a secret's (reported).
    pub(super) fn secret_in_interpolation(
        &mut self,
        value: &Value,
        expr: &Expr,
        file: FileId,
    ) -> bool {
        if !self.holds_secret(value) {
            return false;
        }
        self.report(
            Diagnostic::new(
                Code::E0210,
                file,
                expr.span,
                "a secret's value cannot be put into a string: the string would hold it in plain text",
            )
            .with_help("pass the secret's value whole, as a task's `env` value (`KEY = NAME.value`), and build the string in the container's code"),
        );
        true
    }

    /// E0210 wherever a secret's value would be stored in plain text; `true` when the value is
    /// fine. In a task's `env`, a whole secret value is an ECS `secrets` entry.
    pub(super) fn check_secret_use(
        &mut self,
        place: SecretPlace<'_>,
        value: &Value,
        expr: &Expr,
        file: FileId,
        resource: Option<&Resource>,
    ) -> bool {
        if !self.holds_secret(value) {
            return true;
        }
        if let SecretPlace::Attr { kind, attr: "env" } = place {
            if crate::compute::takes_secret_env(kind) {
                // Interpolations are refused where they are evaluated, so every secret here
                // is a whole value.
                return true;
            }
        }
        let mut spans = Vec::new();
        self.secret_spans(expr, &mut spans);
        if spans.is_empty() {
            spans.push((expr.span, None));
        }
        let (message, help) = match place {
            SecretPlace::Attr {
                kind: ResourceKind::Function,
                ..
            } => (
                "a function cannot hold a secret's value: Lambda stores its configuration, environment included, in plain text".to_string(),
                "give the function `reads NAME` and pass `NAME.name`, the parameter's name; its code reads the value with SSM's GetParameter".to_string(),
            ),
            SecretPlace::Attr { kind: ResourceKind::Task, attr } => (
                format!("`{attr}` would hold the secret's value in plain text in the task definition"),
                "only `env` turns a secret's value into an ECS `secrets` entry: `env = { KEY = NAME.value }`".to_string(),
            ),
            SecretPlace::Attr { attr, .. } => (
                format!("`{attr}` would hold the secret's value in plain text"),
                "only a task's `env` can take a secret's value".to_string(),
            ),
            SecretPlace::Output => (
                "an output cannot show a secret's value: outputs are printed and kept in the state in plain text".to_string(),
                "output the parameter's name instead (`NAME.name`)".to_string(),
            ),
            SecretPlace::TriggerEnv => (
                "a trigger's `env` cannot hold a secret's value: it is written into the EventBridge rule in plain text".to_string(),
                "set it in the task's own `env` (`KEY = NAME.value`), where it becomes an ECS `secrets` entry".to_string(),
            ),
        };
        for (span, secret) in spans {
            let help = match (&secret, place) {
                (
                    Some(name),
                    SecretPlace::Attr {
                        kind: ResourceKind::Function,
                        ..
                    },
                ) => format!("give the function `reads {name}` and pass `{name}.name`, the parameter's name; its code reads the value with SSM's GetParameter"),
                (Some(name), SecretPlace::Output) => format!("output the parameter's name instead (`{name}.name`)"),
                _ => help.clone(),
            };
            let mut d = Diagnostic::new(Code::E0210, file, span, message.clone()).with_help(help);
            if let (
                SecretPlace::Attr {
                    kind: ResourceKind::Function,
                    attr: "env",
                },
                Some(secret),
                Some(r),
            ) = (place, secret, resource)
            {
                d.fixes.push(self.reads_secret_fix(r, &secret, span, file));
            }
            self.report(d);
        }
        false
    }

    /// The fix for a secret's value in a function's `env`: pass the parameter's name instead,
    /// and give the function `reads NAME` (unless it has it).
    fn reads_secret_fix(&self, r: &Resource, secret: &str, span: Span, file: FileId) -> Fix {
        let mut edits = vec![TextEdit {
            file,
            span,
            replacement: format!("{secret}.name"),
        }];
        let members = r.block.as_ref().map_or(&[][..], |b| b.members.as_slice());
        let has_reads = members.iter().any(|m| {
            matches!(m, Member::Access(a) if a.mode == AccessMode::Reads && a.bucket.text == secret)
        });
        if !has_reads {
            edits.push(self.insert_member_edit(r, &format!("reads {secret}"), file));
        }
        Fix {
            title: format!("Pass `{secret}.name` and add `reads {secret}`"),
            edits,
        }
    }
}
