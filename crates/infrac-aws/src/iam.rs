//! IAM: roles with their trust policy and inline policies (`aws:iam:Role`).

use crate::error::translate;
use crate::provider::AwsProvider;
use crate::resource::{
    arn_output, ignore_not_found, observed, read_or_none, sdk_tags, tag_changes, AwsResource, Typed,
};
use aws_sdk_iam::types::Tag;
use infrac_deploy::{Observed, ProviderError};
use infrac_plan::props::RoleProps;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// `aws:iam:Role`.
pub struct Role;

impl AwsResource for Role {
    type Props = RoleProps;

    async fn read(
        aws: &AwsProvider,
        r: &Typed<'_, RoleProps>,
    ) -> Result<Option<Observed>, ProviderError> {
        let got = aws.clients.iam.get_role().role_name(r.name).send().await;
        let Some(role) = read_or_none(got.map_err(|e| translate("iam:GetRole", e)))? else {
            return Ok(None);
        };
        let mut properties = Map::new();
        if let Some(doc) = role
            .role()
            .and_then(|r| r.assume_role_policy_document())
            .and_then(parse_policy)
        {
            properties.insert("assume_role_policy".into(), doc);
        }
        let policies = role_policies(aws, r.name).await?.into_iter().collect();
        properties.insert("policies".into(), Value::Object(policies));
        let arn = role.role().map(|r| r.arn().to_string()).unwrap_or_default();
        Ok(Some(observed(arn_output(arn), properties)))
    }

    async fn create(aws: &AwsProvider, r: &Typed<'_, RoleProps>) -> Result<Value, ProviderError> {
        let out = aws
            .clients
            .iam
            .create_role()
            .role_name(r.name)
            .assume_role_policy_document(r.props.assume_role_policy.to_string())
            .set_tags(Some(sdk_tags!(Tag, r.props.tags, "iam:CreateRole")?))
            .send()
            .await
            .map_err(|e| translate("iam:CreateRole", e))?;
        put_role_policies(aws, r, &BTreeMap::new()).await?;
        Ok(arn_output(
            out.role().map(|r| r.arn().to_string()).unwrap_or_default(),
        ))
    }

    async fn update(
        aws: &AwsProvider,
        r: &Typed<'_, RoleProps>,
        _old: Option<&Typed<'_, RoleProps>>,
    ) -> Result<Value, ProviderError> {
        let iam = &aws.clients.iam;
        let role = iam
            .get_role()
            .role_name(r.name)
            .send()
            .await
            .map_err(|e| translate("iam:GetRole", e))?;
        let arn = role.role().map(|r| r.arn().to_string()).unwrap_or_default();
        let trust = role
            .role()
            .and_then(|r| r.assume_role_policy_document())
            .and_then(parse_policy);
        if trust.as_ref() != Some(&r.props.assume_role_policy) {
            iam.update_assume_role_policy()
                .role_name(r.name)
                .policy_document(r.props.assume_role_policy.to_string())
                .send()
                .await
                .map_err(|e| translate("iam:UpdateAssumeRolePolicy", e))?;
        }
        let existing = role_policies(aws, r.name).await?;
        put_role_policies(aws, r, &existing).await?;
        let current = iam
            .list_role_tags()
            .role_name(r.name)
            .send()
            .await
            .map_err(|e| translate("iam:ListRoleTags", e))?;
        let (stale, differs) = tag_changes(
            &r.props.tags,
            current.tags().iter().map(|t| (t.key(), t.value())),
        );
        if !stale.is_empty() {
            iam.untag_role()
                .role_name(r.name)
                .set_tag_keys(Some(stale))
                .send()
                .await
                .map_err(|e| translate("iam:UntagRole", e))?;
        }
        if differs {
            iam.tag_role()
                .role_name(r.name)
                .set_tags(Some(sdk_tags!(Tag, r.props.tags, "iam:TagRole")?))
                .send()
                .await
                .map_err(|e| translate("iam:TagRole", e))?;
        }
        Ok(arn_output(arn))
    }

    /// Inline policies first: IAM refuses to delete a role that still has any.
    async fn delete(aws: &AwsProvider, r: &Typed<'_, RoleProps>) -> Result<(), ProviderError> {
        let iam = &aws.clients.iam;
        let names = match iam.list_role_policies().role_name(r.name).send().await {
            Ok(out) => out.policy_names().to_vec(),
            Err(e) => return ignore_not_found(translate("iam:ListRolePolicies", e)),
        };
        for name in names {
            delete_role_policy(aws, r.name, &name).await?;
        }
        iam.delete_role()
            .role_name(r.name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| translate("iam:DeleteRole", e))
    }
}

/// A role's inline policies, by name, as JSON.
pub async fn role_policies(
    aws: &AwsProvider,
    role: &str,
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let iam = &aws.clients.iam;
    let names = iam
        .list_role_policies()
        .role_name(role)
        .send()
        .await
        .map_err(|e| translate("iam:ListRolePolicies", e))?;
    let mut out = BTreeMap::new();
    for name in names.policy_names() {
        let policy = iam
            .get_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .map_err(|e| translate("iam:GetRolePolicy", e))?;
        out.insert(
            name.clone(),
            parse_policy(policy.policy_document()).unwrap_or(Value::Null),
        );
    }
    Ok(out)
}

/// Puts the desired inline policies that differ from `existing`, and deletes the others.
async fn put_role_policies(
    aws: &AwsProvider,
    r: &Typed<'_, RoleProps>,
    existing: &BTreeMap<String, Value>,
) -> Result<(), ProviderError> {
    let desired = &r.props.policies;
    for (name, doc) in desired {
        if existing.get(name) == Some(doc) {
            continue;
        }
        aws.clients
            .iam
            .put_role_policy()
            .role_name(r.name)
            .policy_name(name)
            .policy_document(doc.to_string())
            .send()
            .await
            .map_err(|e| translate("iam:PutRolePolicy", e))?;
    }
    for name in existing.keys().filter(|n| !desired.contains_key(*n)) {
        delete_role_policy(aws, r.name, name).await?;
    }
    Ok(())
}

async fn delete_role_policy(
    aws: &AwsProvider,
    role: &str,
    name: &str,
) -> Result<(), ProviderError> {
    aws.clients
        .iam
        .delete_role_policy()
        .role_name(role)
        .policy_name(name)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| translate("iam:DeleteRolePolicy", e))
        .or_else(ignore_not_found)
}

/// IAM returns policy documents URL-encoded.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            // `get`: a `%` before a multi-byte character is kept as it is, not split.
            if let Some(b) = text
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_policy(text: &str) -> Option<Value> {
    serde_json::from_str(text)
        .ok()
        .or_else(|| serde_json::from_str(&percent_decode(text)).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_are_read_plain_or_url_encoded() {
        let plain = r#"{"Version":"2012-10-17","Statement":[]}"#;
        let expected: Value = serde_json::from_str(plain).expect("json");
        assert_eq!(parse_policy(plain), Some(expected.clone()));
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(parse_policy(encoded), Some(expected));
        assert_eq!(parse_policy("not a policy"), None);
        assert_eq!(percent_decode("%é%4"), "%é%4");
    }
}
