//! Lowering of a `schedule`: its EventBridge rule, with every trigger's target.

use super::Lowering;
use crate::graph::Node;
use crate::props::{RuleProps, RuleTarget};
use infrac_check::cron::{rate_expression, Cron};
use infrac_check::model::{ResourceModel, Value};

impl Lowering<'_> {
    pub(super) fn schedule(&mut self, r: &ResourceModel) {
        let origin = self.resource_origin(r);
        let name = self.namer.events_rule(&r.name);
        let expression = if let Some(cron) = Self::attr_str(r, "cron") {
            Cron::parse(&cron).map(|c| c.to_aws())
        } else if let Some(Value::Duration(seconds)) = Self::attr(r, "every") {
            rate_expression(seconds)
        } else {
            Err("a schedule needs `cron` or `every`".to_string())
        };
        let expression = match expression {
            Ok(e) => e,
            Err(message) => {
                let span = Self::attr_span(
                    r,
                    if r.attrs.contains_key("every") {
                        "every"
                    } else {
                        "cron"
                    },
                );
                self.problem(r.file, span, message);
                String::new()
            }
        };
        let triggers = self
            .triggers_by_source
            .get(r.name.as_str())
            .cloned()
            .unwrap_or_default();
        let mut targets: Vec<RuleTarget> = triggers.iter().map(|t| self.target(t)).collect();
        targets.sort_by(|a, b| a.id.cmp(&b.id));
        let props = RuleProps {
            name: name.clone(),
            schedule_expression: Some(expression),
            event_pattern: None,
            state: "ENABLED".into(),
            targets,
            tags: self.tags(&r.name),
        };
        self.add(Node::typed(r.name.as_str(), name, &props, &[], &origin));
    }
}
