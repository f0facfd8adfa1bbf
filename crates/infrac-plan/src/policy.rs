//! IAM policy documents. Every action is named exactly (never `s3:*`), every resource is an
//! exact ARN or an exact key pattern of one bucket; `*` stands alone as a resource only for
//! the actions AWS defines on no resource (`ecr:GetAuthorizationToken`). ARNs of resources the
//! same deploy creates (a log group, a repository) are references, resolved at apply time.

use crate::graph::canonical;
use infrac_check::model::AccessModel;
use infrac_check::pattern::KeyPattern;
use infrac_syntax::ast::AccessMode;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

pub const POLICY_VERSION: &str = "2012-10-17";

/// The policy that lets an AWS service assume a role.
pub fn trust_policy(service: &str) -> Value {
    json!({
        "Version": POLICY_VERSION,
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
        }],
    })
}

/// action -> resources (as JSON text -> the value).
type Grants = BTreeMap<&'static str, BTreeMap<String, Value>>;

/// Collects grants and writes them as one document with as few statements as keep it exact:
/// actions that apply to the same resources (under the same condition) share a statement.
#[derive(Clone, Debug, Default)]
pub struct PolicyBuilder {
    /// condition (as JSON text, "" for none) -> the condition and its grants.
    grants: BTreeMap<String, (Option<Value>, Grants)>,
}

impl PolicyBuilder {
    pub fn new() -> PolicyBuilder {
        PolicyBuilder::default()
    }

    pub fn allow(&mut self, actions: &[&'static str], resource: &Value) {
        self.grant(actions, resource, None);
    }

    pub fn allow_if(&mut self, actions: &[&'static str], resource: &Value, condition: Value) {
        self.grant(actions, resource, Some(condition));
    }

    fn grant(&mut self, actions: &[&'static str], resource: &Value, condition: Option<Value>) {
        let key = condition.as_ref().map(Value::to_string).unwrap_or_default();
        let entry = self
            .grants
            .entry(key)
            .or_insert_with(|| (condition, BTreeMap::new()));
        for action in actions {
            entry
                .1
                .entry(action)
                .or_default()
                .insert(resource.to_string(), resource.clone());
        }
    }

    pub fn is_empty(&self) -> bool {
        self.grants.is_empty()
    }

    /// The policy document, or `None` when nothing was granted.
    pub fn document(&self) -> Option<Value> {
        if self.grants.is_empty() {
            return None;
        }
        let mut statements = Vec::new();
        for (condition, actions) in self.grants.values() {
            // Group actions by their exact resource set.
            let mut by_resources: BTreeMap<Vec<&String>, (Vec<&str>, Vec<Value>)> = BTreeMap::new();
            for (action, resources) in actions {
                let key: Vec<&String> = resources.keys().collect();
                let entry = by_resources
                    .entry(key)
                    .or_insert_with(|| (Vec::new(), resources.values().cloned().collect()));
                entry.0.push(action);
            }
            let mut group: Vec<(Vec<&str>, Vec<Value>)> = by_resources.into_values().collect();
            group.sort_by(|a, b| a.0.cmp(&b.0));
            for (actions, resources) in group {
                let mut statement = Map::new();
                statement.insert("Effect".into(), json!("Allow"));
                statement.insert("Action".into(), json!(actions));
                statement.insert("Resource".into(), Value::Array(resources));
                if let Some(condition) = condition {
                    statement.insert("Condition".into(), condition.clone());
                }
                statements.push(Value::Object(statement));
            }
        }
        Some(canonical(json!({
            "Version": POLICY_VERSION,
            "Statement": statements,
        })))
    }
}

/// `arn:aws:s3:::NAME`.
pub fn bucket_arn(bucket_name: &str) -> String {
    format!("arn:aws:s3:::{bucket_name}")
}

/// The object part of an S3 ARN for a key pattern. IAM reads `*` and `?` as wildcards and
/// `${…}` as a variable, so a literal `?` or `$` in a key is written `${?}` / `${$}`.
pub fn iam_key(pattern: Option<&KeyPattern>) -> String {
    fn literal(text: &str, out: &mut String) {
        for c in text.chars() {
            match c {
                '?' => out.push_str("${?}"),
                '$' => out.push_str("${$}"),
                '*' => out.push_str("${*}"),
                c => out.push(c),
            }
        }
    }
    let mut out = String::new();
    match pattern {
        None => out.push('*'),
        Some(KeyPattern::Exact(key)) => literal(key, &mut out),
        Some(KeyPattern::PrefixSuffix { prefix, suffix }) => {
            literal(prefix, &mut out);
            out.push('*');
            literal(suffix, &mut out);
        }
    }
    out
}

/// What `reads B` and `writes B(pattern)` grant, exactly as the language defines them:
/// reads is `s3:GetObject` on the objects and `s3:ListBucket` on the bucket; writes is
/// `s3:PutObject` on the objects.
pub fn grant_access(policy: &mut PolicyBuilder, access: &AccessModel, bucket_name: &str) {
    let objects = format!(
        "{}/{}",
        bucket_arn(bucket_name),
        iam_key(access.pattern.as_ref())
    );
    match access.mode {
        AccessMode::Reads => {
            policy.allow(&["s3:GetObject"], &Value::String(objects));
            policy.allow(&["s3:ListBucket"], &Value::String(bucket_arn(bucket_name)));
        }
        AccessMode::Writes => policy.allow(&["s3:PutObject"], &Value::String(objects)),
        // Not bucket accesses: lowering grants them (`lower/compute.rs`).
        AccessMode::Runs | AccessMode::Invokes => {}
    }
}

/// Every action named in a document (for the no-wildcard test and for hover).
pub fn actions(document: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(Value::Array(statements)) = document.get("Statement") {
        for statement in statements {
            match statement.get("Action") {
                Some(Value::String(a)) => out.push(a.clone()),
                Some(Value::Array(list)) => {
                    out.extend(list.iter().filter_map(Value::as_str).map(String::from));
                }
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::output_ref;

    #[test]
    fn same_resources_share_a_statement() {
        let mut p = PolicyBuilder::new();
        p.allow(&["s3:GetObject"], &json!("arn:aws:s3:::b/*"));
        p.allow(&["s3:PutObject"], &json!("arn:aws:s3:::b/*"));
        p.allow(&["s3:PutObject"], &json!("arn:aws:s3:::c/*.jpg"));
        p.allow(
            &["logs:PutLogEvents", "logs:CreateLogStream"],
            &output_ref("f/logs", "arn"),
        );
        let doc = p.document().expect("statements");
        assert_eq!(
            doc,
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": [{"$ref": "f/logs", "attr": "arn"}]},
                {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]},
                {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": ["arn:aws:s3:::b/*", "arn:aws:s3:::c/*.jpg"]},
            ]})
        );
        assert!(PolicyBuilder::new().document().is_none());
    }

    #[test]
    fn keys_escape_iam_wildcards() {
        let p = |prefix: &str, suffix: &str| KeyPattern::PrefixSuffix {
            prefix: prefix.into(),
            suffix: suffix.into(),
        };
        assert_eq!(iam_key(None), "*");
        assert_eq!(iam_key(Some(&p("", ".jpg"))), "*.jpg");
        assert_eq!(iam_key(Some(&p("thumbs/", ""))), "thumbs/*");
        assert_eq!(
            iam_key(Some(&KeyPattern::Exact("a?b$c".into()))),
            "a${?}b${$}c"
        );
    }
}
