//! AWS errors in plain words: the operation, AWS's code and message, and what to do.

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use infrac_deploy::{ErrorKind, ProviderError};

const NOT_FOUND: &[&str] = &[
    "NoSuchBucket",
    "NoSuchEntity",
    "NotFound",
    "ResourceNotFoundException",
    "ResourceNotFound",
    "ClusterNotFoundException",
    "ServiceNotFoundException",
    "LoadBalancerNotFound",
    "TargetGroupNotFound",
    "ListenerNotFound",
    "InvalidGroup.NotFound",
    "ObjectNotFoundException",
    "RepositoryNotFoundException",
    "ImageNotFoundException",
    "NoSuchKey",
];

const ALREADY_EXISTS: &[&str] = &[
    "BucketAlreadyExists",
    "BucketAlreadyOwnedByYou",
    "EntityAlreadyExists",
    "ResourceAlreadyExistsException",
    "RepositoryAlreadyExistsException",
    "DuplicateLoadBalancerName",
    "DuplicateTargetGroupName",
    "DuplicateListener",
    "InvalidGroup.Duplicate",
];

const TRANSIENT: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "InternalError",
    "InternalFailure",
    "InternalServerError",
];

/// An SDK error as a [`ProviderError`]. `operation` is `service:Operation`.
pub fn translate<E, R>(operation: &str, err: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + HasStatus,
{
    let status = match &err {
        SdkError::ServiceError(se) => se.raw().status_code(),
        _ => None,
    };
    match &err {
        SdkError::ServiceError(_) => {
            let code = err.code().map(str::to_string);
            let message = err
                .message()
                .map(str::to_string)
                .unwrap_or_else(|| short(&DisplayErrorContext(&err).to_string()));
            let kind = classify(code.as_deref(), status);
            let mut out = ProviderError::new(kind, operation, message);
            if let Some(code) = code.clone().or_else(|| status.map(|s| format!("HTTP {s}"))) {
                out = out.with_code(code);
            }
            if let Some(hint) = hint(code.as_deref(), kind) {
                out = out.with_hint(hint);
            }
            out
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => ProviderError::new(
            ErrorKind::Transient,
            operation,
            format!(
                "could not reach AWS: {}",
                short(&DisplayErrorContext(&err).to_string())
            ),
        )
        .with_hint(
            "check the network, the region, and AWS_ENDPOINT_URL if one is set; then run again",
        ),
        _ => {
            let text = short(&DisplayErrorContext(&err).to_string());
            let mut out = ProviderError::new(ErrorKind::Other, operation, text.clone());
            if text.contains("credentials") || text.contains("Credentials") {
                out = out.with_hint(
                    "no AWS credentials were found: set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws configure`",
                );
            }
            out
        }
    }
}

/// The HTTP status of a raw response, whatever its type.
pub trait HasStatus {
    fn status_code(&self) -> Option<u16>;
}

impl HasStatus for aws_smithy_runtime_api::http::Response {
    fn status_code(&self) -> Option<u16> {
        Some(self.status().as_u16())
    }
}

fn classify(code: Option<&str>, status: Option<u16>) -> ErrorKind {
    match code {
        Some(c) if NOT_FOUND.contains(&c) => ErrorKind::NotFound,
        Some(c) if ALREADY_EXISTS.contains(&c) => ErrorKind::AlreadyExists,
        Some(c) if TRANSIENT.contains(&c) => ErrorKind::Transient,
        _ if status == Some(404) => ErrorKind::NotFound,
        _ if status.is_some_and(|s| s == 429 || s >= 500) => ErrorKind::Transient,
        _ => ErrorKind::Other,
    }
}

fn hint(code: Option<&str>, kind: ErrorKind) -> Option<&'static str> {
    let code = code.unwrap_or("");
    Some(match code {
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => {
            "the credentials in use are not allowed to do this: check the IAM policy of the user or role infrac runs as"
        }
        "InvalidClientTokenId" | "UnrecognizedClientException" | "ExpiredToken"
        | "ExpiredTokenException" | "InvalidAccessKeyId" | "SignatureDoesNotMatch" => {
            "the AWS credentials are invalid or expired: refresh them (`aws sso login`, or new keys) and run again"
        }
        "BucketAlreadyExists" => {
            "S3 bucket names are global and another account owns this one: give the project another name"
        }
        _ => match kind {
            ErrorKind::AlreadyExists => {
                "a resource of this name exists but is not in this stack's state: delete it, or deploy under another project name or stack"
            }
            ErrorKind::Transient => {
                "AWS is limiting or failing calls for now: run again in a moment (with a lower --parallelism if it keeps happening)"
            }
            _ => return None,
        },
    })
}

/// An error of our own making (a bad value, a missing file) for `operation`.
pub fn invalid(operation: &str, message: impl Into<String>) -> ProviderError {
    ProviderError::new(ErrorKind::Other, operation, message)
}

/// An SDK error's text without the raw response it may carry (headers, body bytes).
fn short(text: &str) -> String {
    let cut = text
        .find(" (ServiceError(")
        .or_else(|| text.find(": ServiceError {"))
        .unwrap_or(text.len());
    let text = &text[..cut];
    if text.chars().count() > 400 {
        let mut s: String = text.chars().take(400).collect();
        s.push('…');
        s
    } else {
        text.to_string()
    }
}
