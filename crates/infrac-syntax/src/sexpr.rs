//! A span-free S-expression view of a syntax tree. Parser fixtures compare against it, and the
//! formatter uses it to prove that formatting did not change what a program means.

use crate::ast::{Block, Expr, ExprKind, Item, Member, SourceFile, StrLit, StrPart};
use std::fmt::Write;

pub fn to_sexpr(file: &SourceFile) -> String {
    let mut out = String::new();
    for item in &file.items {
        item_sexpr(&mut out, item);
        out.push('\n');
    }
    out
}

fn item_sexpr(out: &mut String, item: &Item) {
    match item {
        Item::Resource(r) => {
            let _ = write!(out, "(resource {} {}", r.kind.text, r.name.text);
            if let Some(doc) = &r.doc {
                let _ = write!(out, " (doc {doc:?})");
            }
            block_sexpr(out, r.block.as_ref());
            out.push(')');
        }
        Item::Trigger(t) => {
            let _ = write!(out, "(trigger {}.{}", t.source.text, t.event.text);
            if let Some(p) = &t.pattern {
                out.push(' ');
                str_sexpr(out, p);
            }
            let target = match t.target_kind {
                crate::ast::TargetKind::Function => "function",
                crate::ast::TargetKind::Task => "task",
            };
            let _ = write!(out, " -> {target} {}", t.target.text);
            block_sexpr(out, t.block.as_ref());
            out.push(')');
        }
        Item::Let(b) | Item::Output(b) => {
            let keyword = if matches!(item, Item::Let(_)) {
                "let"
            } else {
                "output"
            };
            let _ = write!(out, "({keyword} {} ", b.name.text);
            expr_sexpr(out, &b.value);
            out.push(')');
        }
        Item::Error(_) => out.push_str("(error)"),
    }
}

fn block_sexpr(out: &mut String, block: Option<&Block>) {
    let Some(block) = block else { return };
    out.push_str(" (block");
    for member in &block.members {
        out.push_str("\n  ");
        match member {
            Member::Attr(a) => {
                let _ = write!(out, "(attr {} ", a.name.text);
                expr_sexpr(out, &a.value);
                out.push(')');
            }
            Member::Access(a) => {
                let _ = write!(out, "({} {}", a.mode.keyword(), a.bucket.text);
                if let Some(p) = &a.pattern {
                    out.push(' ');
                    str_sexpr(out, p);
                }
                out.push(')');
            }
            Member::Error(_) => out.push_str("(error)"),
        }
    }
    out.push(')');
}

fn str_sexpr(out: &mut String, lit: &StrLit) {
    out.push_str("(str");
    for part in &lit.parts {
        match part {
            StrPart::Text { value, .. } => {
                let _ = write!(out, " {value:?}");
            }
            StrPart::Interp(e) => {
                out.push_str(" (interp ");
                expr_sexpr(out, e);
                out.push(')');
            }
        }
    }
    out.push(')');
}

fn expr_sexpr(out: &mut String, expr: &Expr) {
    match &expr.kind {
        ExprKind::Str(lit) => str_sexpr(out, lit),
        ExprKind::Int(v) => {
            let _ = write!(out, "{v}");
        }
        ExprKind::Duration { value, unit } => {
            let _ = write!(out, "{value}{}", unit.suffix());
        }
        ExprKind::Size { value, unit } => {
            let _ = write!(out, "{value}{}", unit.suffix());
        }
        ExprKind::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        ExprKind::List(items) => {
            out.push_str("(list");
            for item in items {
                out.push(' ');
                expr_sexpr(out, item);
            }
            out.push(')');
        }
        ExprKind::Map(entries) => {
            out.push_str("(map");
            for entry in entries {
                let _ = write!(out, " ({} ", entry.key.text);
                expr_sexpr(out, &entry.value);
                out.push(')');
            }
            out.push(')');
        }
        ExprKind::Path(parts) => {
            out.push_str("(path ");
            let names: Vec<&str> = parts.iter().map(|p| p.text.as_str()).collect();
            out.push_str(&names.join("."));
            out.push(')');
        }
        ExprKind::Error => out.push_str("(error)"),
    }
}
