//! Key patterns: `"uploads/*.mp4"`, `".mp4"`, `"thumbs/"`. A trigger's pattern becomes an S3
//! notification filter (a prefix and a suffix); an access pattern becomes the key part of an IAM
//! resource ARN. Both questions the checker asks (do two S3 filters overlap, E0303; can a key a
//! target writes match its own trigger, E0306) are answered here exactly as S3 and IAM do.

use std::fmt;

/// The keys a pattern stands for: those starting with `prefix` and ending with `suffix`, or one
/// exact key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum KeyPattern {
    PrefixSuffix { prefix: String, suffix: String },
    Exact(String),
}

/// Where a pattern is written: S3 filters cannot name one exact key, IAM resources can.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatternUse {
    Trigger,
    Access,
}

impl KeyPattern {
    /// Reads a pattern; the error says what is wrong in the user's words (E0302).
    pub fn parse(text: &str, usage: PatternUse) -> Result<KeyPattern, String> {
        if text.is_empty() {
            return Err("empty key pattern: leave the pattern out to match every key".to_string());
        }
        let stars = text.matches('*').count();
        if stars > 1 {
            return Err(format!(
                "key pattern `{text}` has {stars} `*`: a pattern is a prefix and a suffix around at most one `*`"
            ));
        }
        if let Some((prefix, suffix)) = text.split_once('*') {
            return Ok(KeyPattern::PrefixSuffix {
                prefix: prefix.to_string(),
                suffix: suffix.to_string(),
            });
        }
        if text.starts_with('.') {
            return Ok(KeyPattern::PrefixSuffix {
                prefix: String::new(),
                suffix: text.to_string(),
            });
        }
        if text.ends_with('/') {
            return Ok(KeyPattern::PrefixSuffix {
                prefix: text.to_string(),
                suffix: String::new(),
            });
        }
        match usage {
            PatternUse::Access => Ok(KeyPattern::Exact(text.to_string())),
            PatternUse::Trigger => Err(format!(
                "key pattern `{text}` names one key, but S3 notifications filter by prefix and suffix: write `{text}*` for keys starting with it, or `*{text}` for keys ending with it"
            )),
        }
    }

    /// The pattern that matches every key.
    pub fn any() -> KeyPattern {
        KeyPattern::PrefixSuffix {
            prefix: String::new(),
            suffix: String::new(),
        }
    }

    pub fn matches_every_key(&self) -> bool {
        matches!(self, KeyPattern::PrefixSuffix { prefix, suffix } if prefix.is_empty() && suffix.is_empty())
    }

    /// Whether some key matches both patterns.
    pub fn intersects(&self, other: &KeyPattern) -> bool {
        match (self, other) {
            (KeyPattern::Exact(a), KeyPattern::Exact(b)) => a == b,
            (KeyPattern::Exact(key), KeyPattern::PrefixSuffix { prefix, suffix })
            | (KeyPattern::PrefixSuffix { prefix, suffix }, KeyPattern::Exact(key)) => {
                key.len() >= prefix.len() + suffix.len()
                    && key.starts_with(prefix.as_str())
                    && key.ends_with(suffix.as_str())
            }
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
                // A key can be made as long as needed, so only the two ends must agree.
                (p1.starts_with(p2.as_str()) || p2.starts_with(p1.as_str()))
                    && (s1.ends_with(s2.as_str()) || s2.ends_with(s1.as_str()))
            }
        }
    }

    /// S3's own rule for notification configurations: two filters for the same event type
    /// conflict when their prefixes overlap and their suffixes overlap.
    pub fn s3_filters_overlap(&self, other: &KeyPattern) -> bool {
        self.intersects(other)
    }

    /// The key part of an IAM resource (`*.jpg`, `thumbs/*`, `index.html`, `*`).
    pub fn iam_key(&self) -> String {
        match self {
            KeyPattern::Exact(key) => key.clone(),
            KeyPattern::PrefixSuffix { prefix, suffix } => format!("{prefix}*{suffix}"),
        }
    }

    /// `(prefix, suffix)` of an S3 filter; `None` for an exact key, which S3 cannot express.
    pub fn s3_filter(&self) -> Option<(&str, &str)> {
        match self {
            KeyPattern::PrefixSuffix { prefix, suffix } => Some((prefix, suffix)),
            KeyPattern::Exact(_) => None,
        }
    }
}

impl fmt::Display for KeyPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.iam_key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> KeyPattern {
        KeyPattern::parse(text, PatternUse::Access).expect("valid pattern")
    }

    #[test]
    fn shorthands() {
        assert_eq!(
            p(".mp4"),
            KeyPattern::PrefixSuffix {
                prefix: String::new(),
                suffix: ".mp4".into()
            }
        );
        assert_eq!(
            p("uploads/"),
            KeyPattern::PrefixSuffix {
                prefix: "uploads/".into(),
                suffix: String::new()
            }
        );
        assert_eq!(p("a/*.jpg").iam_key(), "a/*.jpg");
        assert_eq!(p("index.html"), KeyPattern::Exact("index.html".into()));
        assert!(KeyPattern::parse("index.html", PatternUse::Trigger).is_err());
        assert!(KeyPattern::parse("a*b*", PatternUse::Trigger).is_err());
        assert!(KeyPattern::parse("", PatternUse::Access).is_err());
    }

    #[test]
    fn intersections_follow_s3_and_iam() {
        // The thumbnailer: .mp4 uploads write .jpg files, no loop.
        assert!(!p(".mp4").intersects(&p("*.jpg")));
        assert!(p(".jpg").intersects(&p("*.jpg")));
        assert!(p("*").intersects(&p("thumbs/*.jpg")));
        assert!(!p("uploads/").intersects(&p("thumbs/*")));
        assert!(p("uploads/").intersects(&p("uploads/big/*")));
        assert!(p("a/*.jpg").intersects(&p("*.thumb.jpg")));
        assert!(!p("a/*.jpg").intersects(&p("*.png")));
        assert!(p("index.html").intersects(&p(".html")));
        assert!(!p("index.html").intersects(&p("thumbs/")));
        // `ab*ba` cannot match the exact key `aba`: IAM's `*` needs the two ends side by side.
        assert!(!p("aba").intersects(&p("ab*ba")));
    }
}
