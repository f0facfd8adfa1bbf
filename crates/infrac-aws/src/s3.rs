//! S3: buckets (`aws:s3:Bucket`) and their notification configuration
//! (`aws:s3:BucketNotification`), and emptying a bucket before it is deleted.

use crate::error::{invalid, translate};
use crate::provider::AwsProvider;
use crate::resource::{
    arn_output, ignore_not_found, known, observed, read_or_none, sdk_tags, AwsResource, Typed,
};
use aws_sdk_s3::types::*;
use infrac_deploy::{ErrorKind, Observed, ProviderError};
use infrac_plan::props::{BucketNotificationProps, BucketProps};
use serde_json::{json, Map, Value};
use std::fmt::Write as _;

/// `aws:s3:Bucket`.
pub struct Bucket;

/// `aws:s3:BucketNotification`.
pub struct BucketNotification;

fn bucket_arn(name: &str) -> Value {
    arn_output(format!("arn:aws:s3:::{name}"))
}

impl AwsResource for Bucket {
    type Props = BucketProps;

    async fn read(
        aws: &AwsProvider,
        r: &Typed<'_, BucketProps>,
    ) -> Result<Option<Observed>, ProviderError> {
        let head = aws.clients.s3.head_bucket().bucket(r.name).send().await;
        if read_or_none(head.map_err(|e| translate("s3:HeadBucket", e)))?.is_none() {
            return Ok(None);
        }
        let status = versioning_status(aws, r.name).await?;
        let mut properties = Map::new();
        properties.insert(
            "versioning".into(),
            json!(status == Some(BucketVersioningStatus::Enabled)),
        );
        Ok(Some(observed(bucket_arn(r.name), properties)))
    }

    /// In us-east-1, `CreateBucket` answers 200 for a bucket the caller already owns, so a
    /// bucket that exists is found first (its tags read): it is not in the state, so it is
    /// not ours to take over.
    async fn create(aws: &AwsProvider, r: &Typed<'_, BucketProps>) -> Result<Value, ProviderError> {
        if crate::owner::bucket(aws, r.name).await?.is_some() {
            return Err(crate::resource::already_exists(
                "s3:CreateBucket",
                "bucket",
                r.name,
            ));
        }
        let mut req = aws
            .clients
            .s3
            .create_bucket()
            .bucket(r.name)
            .object_ownership(ObjectOwnership::BucketOwnerEnforced);
        // The tags go in the create call itself (AWS takes them there), and again right
        // after, for the endpoints that drop them (moto 5.2).
        let tags = sdk_tags!(Tag, r.props.tags, "s3:CreateBucket")?;
        let mut config = CreateBucketConfiguration::builder().set_tags(Some(tags.clone()));
        if let Some(region) = aws.clients.region().filter(|r| r != "us-east-1") {
            config = config.location_constraint(BucketLocationConstraint::from(region.as_str()));
        }
        req = req.create_bucket_configuration(config.build());
        req.send()
            .await
            .map_err(|e| translate("s3:CreateBucket", e))?;
        aws.clients
            .s3
            .put_bucket_tagging()
            .bucket(r.name)
            .tagging(
                Tagging::builder()
                    .set_tag_set(Some(tags))
                    .build()
                    .map_err(|e| invalid("s3:PutBucketTagging", e.to_string()))?,
            )
            .send()
            .await
            .map_err(|e| translate("s3:PutBucketTagging", e))?;
        Self::update(aws, r, None).await
    }

    /// Applies every setting of a bucket (they are all idempotent puts).
    async fn update(
        aws: &AwsProvider,
        r: &Typed<'_, BucketProps>,
        old: Option<&Typed<'_, BucketProps>>,
    ) -> Result<Value, ProviderError> {
        let s3 = &aws.clients.s3;
        let p = &r.props;
        let b = r.name;
        let pab = &p.public_access_block;
        s3.put_public_access_block()
            .bucket(b)
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(pab.block_public_acls)
                    .block_public_policy(pab.block_public_policy)
                    .ignore_public_acls(pab.ignore_public_acls)
                    .restrict_public_buckets(pab.restrict_public_buckets)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| translate("s3:PutPublicAccessBlock", e))?;
        let bad =
            |op: &'static str| move |e: aws_sdk_s3::error::BuildError| invalid(op, e.to_string());
        s3.put_bucket_ownership_controls()
            .bucket(b)
            .ownership_controls(
                OwnershipControls::builder()
                    .rules(
                        OwnershipControlsRule::builder()
                            .object_ownership(ObjectOwnership::from(p.object_ownership.as_str()))
                            .build()
                            .map_err(bad("s3:PutBucketOwnershipControls"))?,
                    )
                    .build()
                    .map_err(bad("s3:PutBucketOwnershipControls"))?,
            )
            .send()
            .await
            .map_err(|e| translate("s3:PutBucketOwnershipControls", e))?;
        let algorithm = ServerSideEncryption::from(p.encryption.sse_algorithm.as_str());
        s3.put_bucket_encryption()
            .bucket(b)
            .server_side_encryption_configuration(
                ServerSideEncryptionConfiguration::builder()
                    .rules(
                        ServerSideEncryptionRule::builder()
                            .apply_server_side_encryption_by_default(
                                ServerSideEncryptionByDefault::builder()
                                    .sse_algorithm(algorithm)
                                    .build()
                                    .map_err(bad("s3:PutBucketEncryption"))?,
                            )
                            .build(),
                    )
                    .build()
                    .map_err(bad("s3:PutBucketEncryption"))?,
            )
            .send()
            .await
            .map_err(|e| translate("s3:PutBucketEncryption", e))?;
        put_versioning(aws, b, p.versioning, old.map(|o| o.props.versioning)).await?;
        if let Some(lifecycle) = &p.lifecycle {
            let days = i32::try_from(lifecycle.expire_after_days).unwrap_or(i32::MAX);
            s3.put_bucket_lifecycle_configuration()
                .bucket(b)
                .lifecycle_configuration(
                    BucketLifecycleConfiguration::builder()
                        .rules(
                            LifecycleRule::builder()
                                .id("infrac-expire")
                                .status(ExpirationStatus::Enabled)
                                .filter(LifecycleRuleFilter::builder().prefix("").build())
                                .expiration(LifecycleExpiration::builder().days(days).build())
                                .build()
                                .map_err(bad("s3:PutBucketLifecycleConfiguration"))?,
                        )
                        .build()
                        .map_err(bad("s3:PutBucketLifecycleConfiguration"))?,
                )
                .send()
                .await
                .map_err(|e| translate("s3:PutBucketLifecycleConfiguration", e))?;
        } else if old.is_none_or(|o| o.props.lifecycle.is_some()) {
            s3.delete_bucket_lifecycle()
                .bucket(b)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| translate("s3:DeleteBucketLifecycle", e))
                .or_else(ignore_not_found)?;
        }
        let tag_set = sdk_tags!(Tag, p.tags, "s3:PutBucketTagging")?;
        s3.put_bucket_tagging()
            .bucket(b)
            .tagging(
                Tagging::builder()
                    .set_tag_set(Some(tag_set))
                    .build()
                    .map_err(bad("s3:PutBucketTagging"))?,
            )
            .send()
            .await
            .map_err(|e| translate("s3:PutBucketTagging", e))?;
        Ok(bucket_arn(b))
    }

    async fn delete(aws: &AwsProvider, r: &Typed<'_, BucketProps>) -> Result<(), ProviderError> {
        if r.props.force_destroy {
            empty_bucket(aws, r.name, r.id)
                .await
                .or_else(ignore_not_found)?;
        } else {
            check_bucket_empty(aws, r.name, r.id).await?;
        }
        aws.clients
            .s3
            .delete_bucket()
            .bucket(r.name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| translate("s3:DeleteBucket", e))
    }
}

/// A bucket never versioned stays so; one that was is suspended (S3 cannot go back).
async fn put_versioning(
    aws: &AwsProvider,
    bucket: &str,
    versioning: bool,
    was_versioned: Option<bool>,
) -> Result<(), ProviderError> {
    if !versioning && was_versioned == Some(false) {
        return Ok(());
    }
    let status = if versioning {
        BucketVersioningStatus::Enabled
    } else {
        match versioning_status(aws, bucket).await? {
            Some(_) => BucketVersioningStatus::Suspended,
            None => return Ok(()),
        }
    };
    aws.clients
        .s3
        .put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(VersioningConfiguration::builder().status(status).build())
        .send()
        .await
        .map(|_| ())
        .map_err(|e| translate("s3:PutBucketVersioning", e))
}

/// A bucket's versioning status; `None` for one never versioned.
async fn versioning_status(
    aws: &AwsProvider,
    bucket: &str,
) -> Result<Option<BucketVersioningStatus>, ProviderError> {
    match aws
        .clients
        .s3
        .get_bucket_versioning()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => Ok(out.status().cloned()),
        Err(e) => {
            let err = translate("s3:GetBucketVersioning", e);
            // moto answers an empty `GetBucketVersioningResponse` (not the
            // `VersioningConfiguration` AWS sends) for a bucket never versioned.
            if err.code.as_deref() == Some("HTTP 200")
                && err.message.contains("GetBucketVersioningResponse")
            {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

/// Refuses, before anything changes, to delete a bucket that holds objects without
/// `force_destroy`.
pub async fn check_bucket_empty(
    aws: &AwsProvider,
    bucket: &str,
    id: &str,
) -> Result<(), ProviderError> {
    let listed = aws
        .clients
        .s3
        .list_object_versions()
        .bucket(bucket)
        .max_keys(1)
        .send()
        .await
        .map_err(|e| translate("s3:ListObjectVersions", e));
    let Some(out) = read_or_none(listed)? else {
        return Ok(());
    };
    if !out.versions().is_empty() || !out.delete_markers().is_empty() {
        return Err(ProviderError::new(
            ErrorKind::Precondition,
            "s3:DeleteBucket",
            format!("bucket `{id}` ({bucket}) still holds objects"),
        )
        .with_code("BucketNotEmpty")
        .with_hint("set `force_destroy = true` on the bucket and deploy, or empty it yourself; destroy deletes a bucket's objects only when told to"));
    }
    Ok(())
}

/// At most this many pages of 1,000 object versions are listed and deleted in one go: a
/// bucket holding more (or one that keeps being written to) is reported, never looped on.
pub const EMPTY_BUCKET_MAX_PAGES: usize = 1_000;

/// How many keys that could not be deleted an error names (it counts the rest).
const KEYS_NAMED: usize = 10;

/// Deletes every object version and delete marker of a bucket, in one pass over its listing.
/// Keys S3 refuses to delete (an Object Lock legal hold or retention, a denying policy) are
/// collected and reported together, with AWS's reason for the first.
pub async fn empty_bucket(aws: &AwsProvider, bucket: &str, id: &str) -> Result<(), ProviderError> {
    let s3 = &aws.clients.s3;
    let mut failed: Vec<(String, String)> = Vec::new();
    let (mut key_marker, mut version_marker) = (None, None);
    for _ in 0..EMPTY_BUCKET_MAX_PAGES {
        let out = s3
            .list_object_versions()
            .bucket(bucket)
            .max_keys(1000)
            .set_key_marker(key_marker.take())
            .set_version_id_marker(version_marker.take())
            .send()
            .await
            .map_err(|e| translate("s3:ListObjectVersions", e))?;
        let listed = out
            .versions()
            .iter()
            .map(|v| (v.key(), v.version_id()))
            .chain(
                out.delete_markers()
                    .iter()
                    .map(|m| (m.key(), m.version_id())),
            );
        let mut ids = Vec::new();
        for (key, version) in listed {
            ids.push(
                ObjectIdentifier::builder()
                    .set_key(key.map(str::to_string))
                    .set_version_id(version.map(str::to_string))
                    .build()
                    .map_err(|e| invalid("s3:DeleteObjects", e.to_string()))?,
            );
        }
        if !ids.is_empty() {
            let deleted = s3
                .delete_objects()
                .bucket(bucket)
                .delete(
                    Delete::builder()
                        .set_objects(Some(ids))
                        .quiet(true)
                        .build()
                        .map_err(|e| invalid("s3:DeleteObjects", e.to_string()))?,
                )
                .send()
                .await
                .map_err(|e| translate("s3:DeleteObjects", e))?;
            for error in deleted.errors() {
                let reason = match (error.code(), error.message()) {
                    (Some(code), Some(message)) => format!("{code}: {message}"),
                    (Some(text), None) | (None, Some(text)) => text.to_string(),
                    (None, None) => "refused".to_string(),
                };
                failed.push((error.key().unwrap_or_default().to_string(), reason));
            }
        }
        key_marker = out.next_key_marker().map(str::to_string);
        version_marker = out.next_version_id_marker().map(str::to_string);
        if !out.is_truncated().unwrap_or(false) || key_marker.is_none() {
            return undeleted(bucket, id, &failed);
        }
    }
    Err(ProviderError::new(
        ErrorKind::Other,
        "s3:DeleteObjects",
        format!(
            "bucket `{id}` ({bucket}) holds more than {} object versions; stopped after deleting that many",
            EMPTY_BUCKET_MAX_PAGES * 1000
        ),
    )
    .with_hint("run destroy again to go on emptying it"))
}

/// `Ok` when every key went; otherwise an error naming the keys that stayed.
fn undeleted(bucket: &str, id: &str, failed: &[(String, String)]) -> Result<(), ProviderError> {
    let Some((_, first_reason)) = failed.first() else {
        return Ok(());
    };
    let mut keys: Vec<&str> = failed.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut message = format!(
        "{} object version(s) of bucket `{id}` ({bucket}) could not be deleted: {}",
        failed.len(),
        keys.iter()
            .take(KEYS_NAMED)
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if keys.len() > KEYS_NAMED {
        let _ = write!(message, " and {} more", keys.len() - KEYS_NAMED);
    }
    let _ = write!(message, " ({first_reason})");
    Err(ProviderError::new(ErrorKind::Other, "s3:DeleteObjects", message)
        .with_code("ObjectsNotDeleted")
        .with_hint("objects under an Object Lock legal hold or retention cannot be deleted until it ends; lift it, or delete them yourself, then run destroy again"))
}

impl AwsResource for BucketNotification {
    type Props = BucketNotificationProps;

    /// The configuration is gone when the bucket is, or when it is empty. One that switches
    /// on EventBridge and nothing else cannot be told from an empty one on moto (5.2), which
    /// never returns that switch: it is taken as there while its bucket is.
    async fn read(
        aws: &AwsProvider,
        r: &Typed<'_, BucketNotificationProps>,
    ) -> Result<Option<Observed>, ProviderError> {
        match aws
            .clients
            .s3
            .get_bucket_notification_configuration()
            .bucket(&r.props.bucket)
            .send()
            .await
        {
            Ok(out) => {
                let empty = out.lambda_function_configurations().is_empty()
                    && out.queue_configurations().is_empty()
                    && out.topic_configurations().is_empty()
                    && out.event_bridge_configuration().is_none();
                if empty && !r.props.lambda_functions.is_empty() {
                    return Ok(None);
                }
                let mut properties = Map::new();
                // Only a switch seen on is reported: moto (5.2) never returns the
                // EventBridge configuration, and a false drift would update on every run.
                if out.event_bridge_configuration().is_some() {
                    properties.insert("eventbridge".into(), json!(true));
                }
                Ok(Some(observed(json!({}), properties)))
            }
            // A 200 whose body does not parse: moto (5.2) answers a bucket that never had a
            // notification configuration with an empty result under the wrong root element,
            // where AWS returns an empty `NotificationConfiguration`.
            Err(e) if unparsed_success(&e) && !r.props.lambda_functions.is_empty() => Ok(None),
            Err(e) if unparsed_success(&e) => Ok(Some(observed(json!({}), Map::new()))),
            Err(e) => read_or_none(Err(translate("s3:GetBucketNotificationConfiguration", e))),
        }
    }

    async fn create(
        aws: &AwsProvider,
        r: &Typed<'_, BucketNotificationProps>,
    ) -> Result<Value, ProviderError> {
        Self::update(aws, r, None).await
    }

    /// Puts the whole configuration: it is one document, replaced at once.
    async fn update(
        aws: &AwsProvider,
        r: &Typed<'_, BucketNotificationProps>,
        _old: Option<&Typed<'_, BucketNotificationProps>>,
    ) -> Result<Value, ProviderError> {
        const OP: &str = "s3:PutBucketNotificationConfiguration";
        let p = &r.props;
        let mut config = NotificationConfiguration::builder();
        for f in &p.lambda_functions {
            let rules: Vec<FilterRule> = f
                .filter
                .iter()
                .flat_map(|filter| {
                    [
                        (FilterRuleName::Prefix, &filter.prefix),
                        (FilterRuleName::Suffix, &filter.suffix),
                    ]
                })
                .filter_map(|(name, value)| {
                    value
                        .as_ref()
                        .map(|v| FilterRule::builder().name(name).value(v).build())
                })
                .collect();
            let mut lambda = LambdaFunctionConfiguration::builder()
                .id(&f.id)
                .lambda_function_arn(known(&f.function_arn, OP, "function_arn")?)
                .set_events(Some(
                    f.events.iter().map(|e| Event::from(e.as_str())).collect(),
                ));
            if !rules.is_empty() {
                lambda = lambda.filter(
                    NotificationConfigurationFilter::builder()
                        .key(S3KeyFilter::builder().set_filter_rules(Some(rules)).build())
                        .build(),
                );
            }
            config = config.lambda_function_configurations(
                lambda.build().map_err(|e| invalid(OP, e.to_string()))?,
            );
        }
        if p.eventbridge {
            config = config.event_bridge_configuration(EventBridgeConfiguration::builder().build());
        }
        aws.clients
            .s3
            .put_bucket_notification_configuration()
            .bucket(&p.bucket)
            .notification_configuration(config.build())
            .send()
            .await
            .map_err(|e| translate(OP, e))?;
        Ok(json!({}))
    }

    /// An empty configuration: the bucket sends nothing anywhere.
    async fn delete(
        aws: &AwsProvider,
        r: &Typed<'_, BucketNotificationProps>,
    ) -> Result<(), ProviderError> {
        aws.clients
            .s3
            .put_bucket_notification_configuration()
            .bucket(&r.props.bucket)
            .notification_configuration(NotificationConfiguration::builder().build())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| translate("s3:PutBucketNotificationConfiguration", e))
    }
}

/// An answer with a success status that the SDK could not read (it reports those as errors).
fn unparsed_success<E>(
    error: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> bool {
    use aws_sdk_s3::error::SdkError;
    match error {
        SdkError::ServiceError(e) => e.raw().status().is_success(),
        SdkError::ResponseError(e) => e.raw().status().is_success(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undeleted_keys_are_named_and_counted() {
        assert!(undeleted("b", "media", &[]).is_ok());
        let failed: Vec<(String, String)> = (0..12)
            .map(|i| (format!("k{i:02}"), "AccessDenied: locked".to_string()))
            .collect();
        let err = undeleted("b", "media", &failed).expect_err("reported");
        assert_eq!(err.code.as_deref(), Some("ObjectsNotDeleted"));
        assert_eq!(
            err.message,
            "12 object version(s) of bucket `media` (b) could not be deleted: `k00`, `k01`, `k02`, `k03`, `k04`, `k05`, `k06`, `k07`, `k08`, `k09` and 2 more (AccessDenied: locked)"
        );
    }
}
