//! The rules of a `service` that tie its attributes together: `min` and `max` go together
//! (E0205) and exclude `count` (E0205), `min <= max` (E0204), and `target_cpu` means something
//! only with them (E0208). The container rules (Fargate table, `image`/`build`, paths) are the
//! task's own, run by the caller.

use super::{Attrs, Checker, Code, Diagnostic, FileId, Member, Resource, Span, VecMap};

impl Checker<'_> {
    pub(super) fn check_service(
        &mut self,
        r: &Resource,
        attrs: &Attrs,
        written: &VecMap<&'static str, (Span, Span)>,
        file: FileId,
    ) {
        let min = written.get("min").map(|&(name, _)| name);
        let max = written.get("max").map(|&(name, _)| name);
        match (min, max) {
            (Some(_), None) | (None, Some(_)) => {
                let (set, missing, span) = match (min, max) {
                    (Some(span), _) => ("min", "max", span),
                    (_, Some(span)) => ("max", "min", span),
                    _ => return,
                };
                self.report(
                    Diagnostic::new(
                        Code::E0205,
                        file,
                        span,
                        format!("a service takes `min` and `max` together, and `{missing}` is not set"),
                    )
                    .with_help(format!(
                        "`min` and `max` turn on scaling between them; set `{missing}` too, or use `count` for a fixed number of tasks instead of `{set}`"
                    )),
                );
            }
            (Some(_), Some(_)) => {
                if let Some(&(count, _)) = written.get("count") {
                    self.report(
                        Diagnostic::new(
                            Code::E0205,
                            file,
                            count,
                            "a service takes `count` or `min`/`max`, not both",
                        )
                        .with_label(file, min.unwrap_or(count), "scaling is set here")
                        .with_help("`count` is a fixed number of tasks; with `min` and `max`, scaling chooses it")
                        .with_fix("Remove `count`", self.member_removal(r, "count", file), ""),
                    );
                }
                let value = |name: &str| attrs.get(name).and_then(|(v, _)| v.as_int());
                if let (Some(lo), Some(hi)) = (value("min"), value("max")) {
                    if lo > hi {
                        let (_, min_value) = written.get("min").copied().unwrap_or_default();
                        let (max_name, _) = written.get("max").copied().unwrap_or_default();
                        self.report(
                            Diagnostic::new(
                                Code::E0204,
                                file,
                                min_value,
                                format!("`min` must be at most `max`, and {lo} is more than {hi}"),
                            )
                            .with_label(
                                file,
                                max_name,
                                "`max` is set here",
                            ),
                        );
                    }
                }
            }
            (None, None) => {
                if let Some(&(target, _)) = written.get("target_cpu") {
                    let mut d = Diagnostic::new(
                        Code::E0208,
                        file,
                        target,
                        "`target_cpu` has no meaning without `min` and `max`",
                    )
                    .with_help(
                        "scaling holds the average CPU at `target_cpu` by running between `min` and `max` tasks: add both, or remove `target_cpu`",
                    );
                    d.fixes
                        .push(self.insert_members_fix(r, &[("min", "1"), ("max", "4")], file));
                    d = d.with_fix(
                        "Remove `target_cpu`",
                        self.member_removal(r, "target_cpu", file),
                        "",
                    );
                    self.report(d);
                }
            }
        }
    }

    /// The span that removes an attribute: its whole line when it is alone on it, else the
    /// attribute itself.
    fn member_removal(&self, r: &Resource, name: &str, file: FileId) -> Span {
        let members = r.block.as_ref().map_or(&[][..], |b| b.members.as_slice());
        let Some(span) = members.iter().find_map(|m| match m {
            Member::Attr(a) if a.name.text == name => Some(a.span),
            _ => None,
        }) else {
            return Span::empty(r.name.span.end());
        };
        let text = &self.project.file(file).text;
        let line_start = text[..span.start()].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[span.end()..]
            .find('\n')
            .map_or(text.len(), |i| span.end() + i + 1);
        let alone = text[line_start..span.start()].trim().is_empty()
            && text[span.end()..line_end].trim().is_empty();
        if alone {
            Span::new(line_start, line_end)
        } else {
            span
        }
    }
}
