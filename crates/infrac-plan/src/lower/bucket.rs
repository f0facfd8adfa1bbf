//! Lowering of a `bucket`: the S3 bucket, and its notification configuration (its function
//! triggers, and EventBridge for its task triggers).

use super::{output_text, s3_event, Lowering};
use crate::graph::Node;
use crate::names::fit;
use crate::props::{
    BucketEncryption, BucketNotificationProps, BucketProps, KeyFilter, LambdaNotification,
    Lifecycle, PublicAccessBlock,
};
use infrac_check::model::{ResourceModel, Value};
use infrac_syntax::ast::TargetKind;

impl Lowering<'_> {
    pub(super) fn bucket(&mut self, r: &ResourceModel) {
        let origin = self.resource_origin(r);
        let name = self.bucket_name(&r.name);
        let lifecycle = match Self::attr(r, "expire_after") {
            Some(Value::Duration(seconds)) => Some(Lifecycle {
                expire_after_days: seconds / 86_400,
            }),
            _ => None,
        };
        let props = BucketProps {
            name: name.clone(),
            versioning: Self::attr(r, "versioning")
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
            force_destroy: Self::attr(r, "force_destroy")
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
            encryption: BucketEncryption {
                sse_algorithm: "AES256".into(),
            },
            object_ownership: "BucketOwnerEnforced".into(),
            public_access_block: PublicAccessBlock::all(),
            lifecycle,
            tags: self.tags(&r.name),
        };
        self.add(Node::typed(r.name.as_str(), name, &props, &[], &origin));
    }

    /// The bucket's notification configuration: its function triggers, and EventBridge
    /// switched on when a task is triggered from it. A bucket nothing triggers from has none.
    pub(super) fn bucket_notifications(&mut self, r: &ResourceModel) {
        let Some(triggers) = self.triggers_by_source.get(r.name.as_str()).cloned() else {
            return;
        };
        let origin = self.resource_origin(r);
        let bucket = self.bucket_name(&r.name);
        let mut functions = Vec::new();
        let mut depends: Vec<String> = vec![r.name.to_string()];
        let mut eventbridge = false;
        for t in triggers {
            match t.target_kind {
                TargetKind::Task => eventbridge = true,
                TargetKind::Function => {
                    let id = t.id();
                    let base = self.trigger_base(t);
                    let filter = t
                        .pattern
                        .as_ref()
                        .and_then(|p| p.s3_filter())
                        .map(|(prefix, suffix)| KeyFilter {
                            prefix: (!prefix.is_empty()).then(|| prefix.to_string()),
                            suffix: (!suffix.is_empty()).then(|| suffix.to_string()),
                        })
                        .filter(|f| f.prefix.is_some() || f.suffix.is_some());
                    functions.push(LambdaNotification {
                        id: fit(&base, 255),
                        events: vec![s3_event(t.event).0.to_string()],
                        function_arn: output_text(&t.target, "arn"),
                        filter,
                    });
                    // S3 checks that it may invoke the function when the configuration is put.
                    depends.push(format!("trigger/{id}/permission"));
                }
            }
        }
        functions.sort_by(|a, b| a.id.cmp(&b.id));
        let props = BucketNotificationProps {
            bucket: bucket.clone(),
            eventbridge,
            lambda_functions: functions,
        };
        let depends: Vec<&str> = depends.iter().map(String::as_str).collect();
        self.add(Node::typed(
            format!("{}/notifications", r.name),
            bucket,
            &props,
            &depends,
            &origin,
        ));
    }
}
