//! Lowering of a `function`: its log group, role (granted the declaration's `reads`, `writes`,
//! `runs` and `invokes`) and the Lambda function with its code's hash.

use super::{output_text, Lowering};
use crate::graph::Node;
use crate::names::Namer;
use crate::policy::PolicyBuilder;
use crate::props::{ContentRef, FunctionLogging, FunctionProps};
use infrac_check::model::{ResourceModel, Value};

impl Lowering<'_> {
    pub(super) fn function(&mut self, r: &ResourceModel) {
        let origin = self.resource_origin(r);
        let name = self.namer.lambda_function(&r.name);
        let role_id = format!("{}/role", r.name);
        let logs_id = format!("{}/logs", r.name);

        let mut policy = PolicyBuilder::new();
        Self::allow_logs(&mut policy, &logs_id);
        self.access_policy(r, &mut policy);
        let role_name = self.namer.iam_role(&r.name, "role");
        self.role(
            &role_id,
            role_name,
            "lambda.amazonaws.com",
            &policy,
            &origin,
        );

        let log_group = Namer::lambda_log_group(&name);
        self.log_group(&logs_id, log_group.clone(), &origin);

        let (code_path, code_hash) = self.hash_of(r, "code");
        let props = FunctionProps {
            name: name.clone(),
            runtime: Self::attr_str(r, "runtime").unwrap_or_default(),
            handler: Self::attr_str(r, "handler"),
            memory: match Self::attr(r, "memory") {
                Some(Value::Size(mb)) => mb,
                _ => 128,
            },
            timeout: match Self::attr(r, "timeout") {
                Some(Value::Duration(s)) => s,
                _ => 3,
            },
            architectures: vec![Self::attr_str(r, "arch").unwrap_or_else(|| "x86_64".into())],
            role_arn: output_text(&role_id, "arn"),
            code: ContentRef {
                path: code_path,
                sha256: code_hash,
            },
            logging: FunctionLogging { log_group },
            environment: self.env_map(r),
            tags: self.tags(&r.name),
        };
        self.add(Node::typed(
            r.name.as_str(),
            name,
            &props,
            &[logs_id.as_str()],
            &origin,
        ));
    }
}
