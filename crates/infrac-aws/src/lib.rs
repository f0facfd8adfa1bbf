//! The AWS side of infrac: the provider the deploy engine drives ([`AwsProvider`]), the S3
//! state backend, and how credentials, region and endpoint are found.
//!
//! Architecture invariant: this is the only crate that depends on the AWS SDK. The SDK's
//! default features are off (see Cargo.toml); errors leave this crate as
//! `infrac_deploy::ProviderError`s in plain words: the operation, AWS's code and message,
//! and what to do.

// The SDK's builders make these pedantic lints noise: wildcard imports of a service's
// `types`, errors passed by value into translation, long request chains.
#![allow(
    clippy::wildcard_imports,
    clippy::needless_pass_by_value,
    clippy::map_unwrap_or,
    clippy::single_match_else,
    clippy::redundant_closure_for_method_calls
)]

pub mod autoscaling;
pub mod config;
pub mod docker;
pub mod ec2;
pub mod ecr;
pub mod ecs;
pub mod elbv2;
pub mod error;
pub mod events;
pub mod iam;
pub mod lambda;
pub mod logs;
pub mod owner;
pub mod provider;
pub mod resource;
pub mod s3;
pub mod ssm;
pub mod state;
pub mod tagging;

pub use config::load_sdk_config;
pub use provider::{AwsProvider, Clients};
pub use state::S3Backend;

/// The SDK crates, for tests that check through the SDK what a deploy made.
pub mod sdk {
    pub use aws_config::SdkConfig;
    pub use aws_sdk_applicationautoscaling as autoscaling;
    pub use aws_sdk_cloudwatchlogs as logs;
    pub use aws_sdk_ecr as ecr;
    pub use aws_sdk_ecs as ecs;
    pub use aws_sdk_elasticloadbalancingv2 as elbv2;
    pub use aws_sdk_eventbridge as events;
    pub use aws_sdk_iam as iam;
    pub use aws_sdk_lambda as lambda;
    pub use aws_sdk_s3 as s3;
    pub use aws_sdk_ssm as ssm;
    pub use aws_sdk_sts as sts;
}
