//! `runs` and `invokes`: the variables they add may not clash with the program's own `env`
//! (E0209), and compute may not start itself through them, directly or around a cycle (E0306).

use super::{AccessModel, Checker, Code, Diagnostic, ExprKind, FileId, HashMap, Resource};
use crate::compute::added_env;
use crate::model::SymbolKind;
use infrac_syntax::ast::{AccessMode, Member};

impl Checker<'_> {
    /// E0209: an `env` key that a `runs` or `invokes` of the same declaration also sets.
    pub(super) fn check_added_env(&mut self, r: &Resource, access: &[AccessModel], file: FileId) {
        let members = r.block.as_ref().map_or(&[][..], |b| b.members.as_slice());
        let Some(env) = members.iter().find_map(|m| match m {
            Member::Attr(a) if a.name.text == "env" => Some(&a.value),
            _ => None,
        }) else {
            return;
        };
        let ExprKind::Map(entries) = &env.kind else {
            return;
        };
        let mut added = HashMap::default();
        for a in access {
            for var in added_env(a.mode, &a.bucket) {
                added.entry(var.name).or_insert(a);
            }
        }
        for entry in entries {
            let Some(a) = added.get(entry.key.text.as_str()) else {
                continue;
            };
            self.report(
                Diagnostic::new(
                    Code::E0209,
                    file,
                    entry.key.span,
                    format!(
                        "`{}` is set by `{} {}` as well",
                        entry.key.text,
                        a.mode.keyword(),
                        a.bucket
                    ),
                )
                .with_label(file, a.span, format!("this sets `{}`", entry.key.text))
                .with_help("rename the key, or drop it and use the value the access sets"),
            );
        }
    }

    /// E0306: a function or task that can start itself through `runs` and `invokes`. Each
    /// cycle is reported once, at the access that closes it.
    pub(super) fn check_compute_cycles(&mut self) {
        // Only a declaration that starts another can be on a cycle, so the graph holds those
        // alone: a few in most programs, however many resources they declare. Edges in
        // declaration order, so reports are stable.
        let mut edges: HashMap<&str, (FileId, Vec<&AccessModel>)> = HashMap::default();
        let mut order: Vec<&str> = Vec::new();
        for (index, r) in self.model.resources.iter().enumerate() {
            let out: Vec<&AccessModel> = r
                .access
                .iter()
                .filter(|a| matches!(a.mode, AccessMode::Runs | AccessMode::Invokes))
                .collect();
            if out.is_empty() || !self.first_resource_named(index) {
                continue;
            }
            order.push(&r.name);
            edges.insert(&r.name, (r.file, out));
        }
        // Depth-first search; an edge to a declaration still on the path closes a cycle.
        let mut marks: HashMap<&str, Mark> = HashMap::default();
        let mut found = Vec::new();
        for &start in &order {
            if marks.contains_key(start) {
                continue;
            }
            // (declaration, index of its next edge)
            let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
            marks.insert(start, Mark::OnPath);
            while let Some(top) = stack.last_mut() {
                let (node, next) = *top;
                top.1 += 1;
                let out = edges.get(node).map_or(&[][..], |(_, out)| out.as_slice());
                let Some(&edge) = out.get(next) else {
                    marks.insert(node, Mark::Done);
                    stack.pop();
                    continue;
                };
                let target = edge.bucket.as_str();
                match marks.get(target) {
                    Some(Mark::OnPath) => {
                        let from = stack.iter().position(|(n, _)| *n == target).unwrap_or(0);
                        let path: Vec<&str> = stack[from..].iter().map(|(n, _)| *n).collect();
                        if let Some(&(file, _)) = edges.get(node) {
                            found.push(cycle_diagnostic(&path, edge, file));
                        }
                    }
                    Some(Mark::Done) => {}
                    None if edges.contains_key(target) => {
                        marks.insert(target, Mark::OnPath);
                        stack.push((target, 0));
                    }
                    None => {}
                }
            }
        }
        self.diagnostics.extend(found);
    }

    /// Whether the resource at `index` of the model is the first declared with its name (a
    /// later one is a duplicate, reported as E0102, and takes no part in the graph).
    fn first_resource_named(&self, index: usize) -> bool {
        let r = &self.model.resources[index];
        match self
            .names
            .get(r.name.as_str())
            .map(|&id| &self.model.symbols[id])
        {
            Some(first) if matches!(first.kind, SymbolKind::Resource(Some(_))) => {
                first.file == r.file && first.name_span == r.name_span
            }
            // The name was first taken by a `let`, an `output` or a declaration of an unknown
            // kind (all already reported): look for the first resource itself.
            _ => self.model.resources.iter().position(|o| o.name == r.name) == Some(index),
        }
    }
}

/// Where the search of [`Checker::check_compute_cycles`] stands with a declaration.
#[derive(Clone, Copy, PartialEq)]
enum Mark {
    OnPath,
    Done,
}

fn verb(mode: AccessMode) -> &'static str {
    if mode == AccessMode::Runs {
        "runs"
    } else {
        "invokes"
    }
}

fn cycle_diagnostic(path: &[&str], closing: &AccessModel, file: FileId) -> Diagnostic {
    let (message, help) = if let [only] = path {
        (
            format!(
                "`{only}` {} itself: it could start itself forever",
                verb(closing.mode)
            ),
            "remove the access; to repeat work, let a schedule or an event start it".to_string(),
        )
    } else {
        let mut chain: Vec<String> = path.iter().map(|n| format!("`{n}`")).collect();
        chain.push(format!("`{}`", path[0]));
        (
            format!("`{}` can start itself: {}", path[0], chain.join(" -> ")),
            "break the cycle: one of them must not start the others".to_string(),
        )
    };
    Diagnostic::new(Code::E0306, file, closing.span, message).with_help(help)
}
