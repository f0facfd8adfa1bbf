//! Triggers, and the rules about the whole program: overlapping S3 filters (E0303), trigger
//! loops with their narrowing fix (E0306), and functions or tasks nothing runs (W0001).

use infrac_syntax::Name;

use super::{
    did_you_mean, kind_article, list_names, schema, AccessModel, Block, Checker, Code, Context,
    Diagnostic, EventSchema, FileId, HashMap, KeyPattern, Member, Need, PatternUse, ResourceKind,
    ResourceModel, SecretPlace, Span, StrLit, SymbolKind, TargetKind, Trigger, TriggerModel, Type,
    Value, VecMap,
};

impl Checker<'_> {
    // ---- triggers ---------------------------------------------------------------------------

    pub(super) fn check_trigger(&mut self, t: &Trigger, file: FileId) {
        let source = self.trigger_source(t, file);
        let event = source.and_then(|kind| self.trigger_event(t, kind, file));
        let pattern = match (event, &t.pattern) {
            (Some(event), Some(lit)) if event.takes_pattern => {
                self.key_pattern(lit, PatternUse::Trigger, file).map(Some)
            }
            (Some(event), Some(lit)) => {
                self.report(
                    Diagnostic::new(
                        Code::E0302,
                        file,
                        lit.span,
                        format!("`{}` takes no key pattern", event.name),
                    )
                    .with_fix("Remove the pattern", lit.span, ""),
                );
                None
            }
            (_, None) => Some(None),
            (None, Some(_)) => None,
        };
        let target_kind = t.target_kind.resource_kind();
        let target = self.resolve_kind(&t.target, file, target_kind, Some(t.target_kind_span));
        // An error inside the env is reported, but the trigger still takes part in the
        // whole-program checks (overlaps, loops). Only lowering reads the env itself.
        let env = self
            .trigger_block(t, event, file)
            .filter(|_| self.need == Need::Model)
            .unwrap_or_default();
        let (Some(source_kind), Some(event), Some(pattern), Some(_)) =
            (source, event, pattern, target)
        else {
            return;
        };
        self.model.triggers.push(TriggerModel {
            source: t.source.text.clone(),
            source_kind,
            event: event.name,
            pattern_text: t.pattern.as_ref().and_then(StrLit::as_plain),
            args_span: t.args_span,
            pattern,
            target_kind: t.target_kind,
            target: t.target.text.clone(),
            env,
            file,
            span: t.span,
        });
    }

    pub(super) fn trigger_source(&mut self, t: &Trigger, file: FileId) -> Option<ResourceKind> {
        let id = self.resolve(&t.source, file)?;
        match self.symbol(id).kind {
            SymbolKind::Resource(kind) => kind,
            SymbolKind::Let | SymbolKind::Output => {
                self.report(Diagnostic::new(
                    Code::E0104,
                    file,
                    t.source.span,
                    format!("`{}` is a let, not a bucket or schedule", t.source.text),
                ));
                None
            }
        }
    }

    pub(super) fn trigger_event(
        &mut self,
        t: &Trigger,
        kind: ResourceKind,
        file: FileId,
    ) -> Option<&'static EventSchema> {
        let kind_schema = schema(kind);
        if let Some(event) = kind_schema.event(&t.event.text) {
            return Some(event);
        }
        let names = kind_schema.events.iter().map(|e| e.name);
        let mut d = Diagnostic::new(
            Code::E0301,
            file,
            t.event.span,
            format!("{} has no event `{}`", kind_article(kind), t.event.text),
        );
        if kind_schema.events.is_empty() {
            d = d.with_help(format!(
                "{} has no events; only buckets (`on_put`, `on_delete`) and schedules (`on_tick`) do",
                kind_article(kind)
            ));
        } else if let Some(s) = did_you_mean(&t.event.text, names.clone()) {
            d = d
                .with_help(format!(
                    "did you mean `{s}`? {} has {}",
                    kind_article(kind),
                    list_names(names)
                ))
                .with_fix(format!("Replace with `{s}`"), t.event.span, s);
        } else {
            d = d.with_help(format!("{} has {}", kind_article(kind), list_names(names)));
        }
        self.report(d);
        None
    }

    /// The env a trigger adds to its task's run; `None` after an error.
    pub(super) fn trigger_block(
        &mut self,
        t: &Trigger,
        event: Option<&'static EventSchema>,
        file: FileId,
    ) -> Option<VecMap<Name, Value>> {
        let Some(block) = &t.block else {
            return Some(VecMap::new());
        };
        if t.target_kind == TargetKind::Function {
            self.report(
                Diagnostic::new(
                    Code::E0304,
                    file,
                    block.span,
                    "a function trigger takes no block: the function receives the event itself as its argument",
                )
                .with_fix("Remove the block", Span::new(t.target.span.end(), block.span.end()), ""),
            );
            return None;
        }
        self.task_trigger_env(block, event, file)
    }

    pub(super) fn task_trigger_env(
        &mut self,
        block: &Block,
        event: Option<&'static EventSchema>,
        file: FileId,
    ) -> Option<VecMap<Name, Value>> {
        let mut env = VecMap::new();
        let mut seen: Option<Span> = None;
        let mut ok = true;
        for member in &block.members {
            match member {
                Member::Attr(a) if a.name.text == "env" => {
                    if let Some(first) = seen {
                        self.report(
                            Diagnostic::new(Code::E0207, file, a.name.span, "`env` is set twice")
                                .with_label(file, first, "first set here"),
                        );
                        ok = false;
                        continue;
                    }
                    seen = Some(a.name.span);
                    let ctx = Context {
                        file,
                        event: Some(event.ok_or(())),
                    };
                    match self
                        .eval(&a.value, ctx)
                        .and_then(|v| self.expect_type(v, Type::MapOfString, &a.value, file, "env"))
                    {
                        Some(value)
                            if !self.check_secret_use(
                                SecretPlace::TriggerEnv,
                                &value,
                                &a.value,
                                file,
                                None,
                            ) =>
                        {
                            ok = false;
                        }
                        Some(Value::Map(map)) => env = map,
                        _ => ok = false,
                    }
                }
                Member::Attr(a) => {
                    ok = false;
                    self.report(
                        Diagnostic::new(
                            Code::E0304,
                            file,
                            a.name.span,
                            format!(
                                "a task trigger's block sets only `env`, not `{}`",
                                a.name.text
                            ),
                        )
                        .with_help("set the task's other attributes in its own declaration"),
                    );
                }
                Member::Access(acc) => {
                    ok = false;
                    self.report(
                        Diagnostic::new(
                            Code::E0304,
                            file,
                            acc.mode_span,
                            format!("a task trigger's block sets only `env`; `{}` belongs in the task's declaration", acc.mode.keyword()),
                        ),
                    );
                }
                Member::Error(_) => ok = false,
            }
        }
        ok.then_some(env)
    }

    // ---- whole-program rules -----------------------------------------------------------------

    /// E0303: S3 rejects a notification configuration in which two function targets of one
    /// event type have overlapping filters.
    pub(super) fn check_trigger_overlaps(&mut self) {
        let triggers: Vec<&TriggerModel> = self
            .model
            .triggers
            .iter()
            .filter(|t| {
                t.source_kind == ResourceKind::Bucket && t.target_kind == TargetKind::Function
            })
            .collect();
        // Only triggers of one bucket and event can conflict: compare within those groups.
        let mut groups: HashMap<(&str, &str), Vec<&TriggerModel>> = HashMap::default();
        for t in triggers {
            groups
                .entry((t.source.as_str(), t.event))
                .or_default()
                .push(t);
        }
        let mut found = Vec::new();
        for later_index in 0..self.model.triggers.len() {
            let later = &self.model.triggers[later_index];
            let Some(group) = groups.get(&(later.source.as_str(), later.event)) else {
                continue;
            };
            let position = group
                .iter()
                .position(|t| std::ptr::eq(*t, later))
                .unwrap_or(0);
            for earlier in &group[..position] {
                let a = earlier.pattern.clone().unwrap_or_else(KeyPattern::any);
                let b = later.pattern.clone().unwrap_or_else(KeyPattern::any);
                if a.s3_filters_overlap(&b) {
                    found.push(
                        Diagnostic::new(
                            Code::E0303,
                            later.file,
                            later.span,
                            format!(
                                "this trigger overlaps another function trigger on `{}.{}`: a key like `{}` would match both",
                                later.source,
                                later.event,
                                example_key(&a, &b)
                            ),
                        )
                        .with_label(earlier.file, earlier.span, "the other trigger")
                        .with_help("S3 rejects a notification configuration whose filters overlap; give the triggers disjoint prefixes or suffixes"),
                    );
                    break;
                }
            }
        }
        self.diagnostics.extend(found);
    }

    /// E0306: a target triggered by puts to a bucket that writes keys its own trigger matches
    /// would run forever.
    pub(super) fn check_trigger_loops(&mut self) {
        let by_name: HashMap<&str, &ResourceModel> = self
            .model
            .resources
            .iter()
            .map(|r| (r.name.as_str(), r))
            .collect();
        let mut found = Vec::new();
        for t in &self.model.triggers {
            if t.source_kind != ResourceKind::Bucket || t.event != "on_put" {
                continue;
            }
            let Some(target) = by_name.get(t.target.as_str()) else {
                continue;
            };
            let trigger_keys = t.pattern.clone().unwrap_or_else(KeyPattern::any);
            for write in target.writes().filter(|w| w.bucket == t.source) {
                let written = write.pattern.clone().unwrap_or_else(KeyPattern::any);
                if !trigger_keys.intersects(&written) {
                    continue;
                }
                let matched = t
                    .pattern_text
                    .as_deref()
                    .map_or("every key".to_string(), |p| format!("\"{p}\""));
                let mut d = Diagnostic::new(
                        Code::E0306,
                        t.file,
                        t.span,
                        format!(
                            "trigger loop: `{}` runs on puts to `{}` matching {matched}, and writes keys to `{}` that match it again (like `{}`)",
                            t.target,
                            t.source,
                            t.source,
                            example_key(&trigger_keys, &written)
                        ),
                    )
                    .with_label(target.file, write.span, "this `writes` can write a key the trigger matches")
                    .with_help(format!(
                        "narrow the `writes` to keys the trigger does not match, such as `writes {}(\"out/*\")`, or narrow the trigger's pattern",
                        t.source
                    ));
                if let Some(fix) = narrowing_fix(t, write, &trigger_keys, target.file) {
                    d.fixes.push(fix);
                }
                found.push(d);
                break;
            }
        }
        self.diagnostics.extend(found);
    }

    pub(super) fn check_untriggered(&mut self) {
        let mut found = Vec::new();
        for r in &self.model.resources {
            if matches!(r.kind, ResourceKind::Function | ResourceKind::Task)
                && !self.targeted.contains(r.name.as_str())
            {
                found.push(
                    Diagnostic::new(
                        Code::W0001,
                        r.file,
                        r.name_span,
                        format!("{} `{}` is never triggered", r.kind.keyword(), r.name),
                    )
                    .with_help(format!(
                        "nothing runs it: add a trigger such as `some_bucket.on_put() -> {} {}`, or `{} {}` in code that starts it",
                        r.kind.keyword(),
                        r.name,
                        if r.kind == ResourceKind::Task { "runs" } else { "invokes" },
                        r.name
                    )),
                );
            }
        }
        self.diagnostics.extend(found);
    }
}

/// The fix for a trigger loop: narrow the `writes` to a folder the trigger does not match
/// (keeping what the `writes` says about the end of the key); when the trigger matches keys in
/// every folder, narrow the trigger to `uploads/` as well.
pub(super) fn narrowing_fix(
    t: &TriggerModel,
    write: &AccessModel,
    trigger_keys: &KeyPattern,
    write_file: FileId,
) -> Option<infrac_syntax::Fix> {
    let suffix = match &write.pattern {
        Some(KeyPattern::PrefixSuffix { suffix, .. }) => suffix.clone(),
        _ => String::new(),
    };
    let writes =
        |pattern: &KeyPattern| format!("writes {}(\"{}\")", write.bucket, pattern.iam_key());
    for folder in ["out/", "processed/", "results/"] {
        let candidate = KeyPattern::PrefixSuffix {
            prefix: folder.to_string(),
            suffix: suffix.clone(),
        };
        if !trigger_keys.intersects(&candidate) {
            let replacement = writes(&candidate);
            return Some(infrac_syntax::Fix {
                title: format!("Narrow to `{replacement}`"),
                edits: vec![infrac_syntax::TextEdit {
                    file: write_file,
                    span: write.span,
                    replacement,
                }],
            });
        }
    }
    let KeyPattern::PrefixSuffix {
        suffix: trigger_suffix,
        ..
    } = trigger_keys
    else {
        return None;
    };
    let trigger = KeyPattern::PrefixSuffix {
        prefix: "uploads/".to_string(),
        suffix: trigger_suffix.clone(),
    };
    let written = KeyPattern::PrefixSuffix {
        prefix: "out/".to_string(),
        suffix,
    };
    if trigger.intersects(&written) {
        return None;
    }
    let trigger_args = format!("(\"{}\")", trigger.iam_key());
    let replacement = writes(&written);
    Some(infrac_syntax::Fix {
        title: format!("Trigger on `{}` and `{replacement}`", trigger.iam_key()),
        edits: vec![
            infrac_syntax::TextEdit {
                file: t.file,
                span: t.args_span,
                replacement: trigger_args,
            },
            infrac_syntax::TextEdit {
                file: write_file,
                span: write.span,
                replacement,
            },
        ],
    })
}

/// A key that two intersecting patterns both match, to make a message concrete.
pub(super) fn example_key(a: &KeyPattern, b: &KeyPattern) -> String {
    match (a, b) {
        (KeyPattern::Exact(k), _) | (_, KeyPattern::Exact(k)) => k.clone(),
        (
            KeyPattern::PrefixSuffix {
                prefix: p1,
                suffix: s1,
            },
            KeyPattern::PrefixSuffix {
                prefix: p2,
                suffix: s2,
            },
        ) => {
            let prefix = if p1.len() >= p2.len() { p1 } else { p2 };
            let suffix = if s1.len() >= s2.len() { s1 } else { s2 };
            let middle = if prefix.is_empty() && suffix.is_empty() {
                "photo.jpg"
            } else {
                "x"
            };
            format!("{prefix}{middle}{suffix}")
        }
    }
}
