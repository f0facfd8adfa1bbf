//! Schedules: 5-field Unix cron expressions (validated, converted to EventBridge's 6-field form,
//! and stepped to their next runs for hover) and `every` rates.

/// A parsed cron expression: the set of allowed values of each field, as bits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cron {
    fields: [String; 5],
    minutes: u64,
    hours: u64,
    days_of_month: u64,
    months: u64,
    /// Bit 0 is Sunday (7 is folded onto it).
    days_of_week: u64,
    dom_restricted: bool,
    dow_restricted: bool,
}

struct FieldSpec {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const SPECS: [FieldSpec; 5] = [
    FieldSpec {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
    },
    FieldSpec {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
    },
    FieldSpec {
        name: "day of month",
        min: 1,
        max: 31,
        names: &[],
    },
    FieldSpec {
        name: "month",
        min: 1,
        max: 12,
        names: &[
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ],
    },
    FieldSpec {
        name: "day of week",
        min: 0,
        max: 7,
        names: &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
    },
];

impl Cron {
    /// Reads `minute hour day-of-month month day-of-week`; the error explains what is wrong.
    pub fn parse(text: &str) -> Result<Cron, String> {
        let parts: Vec<&str> = text.split_whitespace().collect();
        if parts.len() != 5 {
            return Err(format!(
                "a cron expression has 5 fields (minute hour day-of-month month day-of-week), this one has {}",
                parts.len()
            ));
        }
        let mut bits = [0u64; 5];
        for (i, part) in parts.iter().enumerate() {
            bits[i] = parse_field(part, &SPECS[i])?;
        }
        let dow = (bits[4] | (bits[4] >> 7)) & 0x7f;
        let dom_restricted = parts[2] != "*";
        let dow_restricted = parts[4] != "*";
        if dom_restricted && dow_restricted {
            return Err(
                "EventBridge cannot run on both a day of the month and a day of the week: make one of them `*`"
                    .to_string(),
            );
        }
        Ok(Cron {
            fields: std::array::from_fn(|i| parts[i].to_string()),
            minutes: bits[0],
            hours: bits[1],
            days_of_month: bits[2],
            months: bits[3],
            days_of_week: dow,
            dom_restricted,
            dow_restricted,
        })
    }

    /// EventBridge's form: `cron(0 3 * * ? *)`. Its day of week counts 1-7 from Sunday and it
    /// wants `?` in whichever day field is not used.
    pub fn to_aws(&self) -> String {
        let [minute, hour, dom, month, _] = &self.fields;
        let (dom, dow) = if self.dow_restricted {
            ("?".to_string(), aws_days_of_week(self.days_of_week))
        } else {
            (dom.clone(), "?".to_string())
        };
        format!("cron({minute} {hour} {dom} {month} {dow} *)")
    }

    /// The next `count` run times strictly after `after` (Unix seconds, UTC).
    pub fn next_runs(&self, after: i64, count: usize) -> Vec<i64> {
        let mut out = Vec::with_capacity(count);
        // Start at the next whole minute.
        let mut t = after.div_euclid(60) * 60 + 60;
        // Five years is enough for any valid expression (Feb 29 recurs every 4).
        let limit = after + 5 * 366 * 86_400;
        while out.len() < count && t < limit {
            let (_, month, day) = civil_from_days(t.div_euclid(86_400));
            let weekday = (t.div_euclid(86_400) + 4).rem_euclid(7) as u32; // 1970-01-01 was a Thursday.
            let secs = t.rem_euclid(86_400);
            let (hour, minute) = ((secs / 3600) as u32, ((secs % 3600) / 60) as u32);
            if self.months & (1 << month) == 0 {
                t = (t.div_euclid(86_400) + 1) * 86_400;
                continue;
            }
            let day_ok = if self.dow_restricted {
                self.days_of_week & (1 << weekday) != 0
            } else {
                !self.dom_restricted || self.days_of_month & (1 << day) != 0
            };
            if !day_ok {
                t = (t.div_euclid(86_400) + 1) * 86_400;
                continue;
            }
            if self.hours & (1 << hour) == 0 {
                t = t.div_euclid(3600) * 3600 + 3600;
                continue;
            }
            if self.minutes & (1 << minute) == 0 {
                t += 60;
                continue;
            }
            out.push(t);
            t += 60;
        }
        out
    }
}

fn parse_field(text: &str, spec: &FieldSpec) -> Result<u64, String> {
    let mut bits = 0u64;
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => {
                let step: u32 = step
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("bad step `{step}` in the {} field", spec.name))?;
                (range, step)
            }
            None => (item, 1),
        };
        let (from, to) = if range == "*" {
            (
                spec.min,
                spec.max.min(if spec.max == 7 { 6 } else { spec.max }),
            )
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a, spec)?, value(b, spec)?)
        } else {
            let v = value(range, spec)?;
            (v, if item.contains('/') { spec.max } else { v })
        };
        if from > to {
            return Err(format!(
                "range `{range}` in the {} field runs backwards",
                spec.name
            ));
        }
        let mut v = from;
        while v <= to {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok(bits)
}

fn value(text: &str, spec: &FieldSpec) -> Result<u32, String> {
    if let Some(i) = spec.names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
        return Ok(i as u32 + u32::from(spec.min == 1));
    }
    match text.parse::<u32>() {
        Ok(v) if (spec.min..=spec.max).contains(&v) => Ok(v),
        Ok(v) => Err(format!(
            "{v} is outside the {} field's range {}-{}",
            spec.name, spec.min, spec.max
        )),
        Err(_) => Err(format!("`{text}` is not a valid {} value", spec.name)),
    }
}

/// A day-of-week set in EventBridge's numbering (1 = Sunday), as ranges where it can.
fn aws_days_of_week(bits: u64) -> String {
    let days: Vec<u32> = (0..7)
        .filter(|d| bits & (1 << d) != 0)
        .map(|d| d + 1)
        .collect();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < days.len() {
        let start = days[i];
        let mut end = start;
        while i + 1 < days.len() && days[i + 1] == end + 1 {
            i += 1;
            end = days[i];
        }
        parts.push(match end - start {
            0 => start.to_string(),
            1 => format!("{start},{end}"),
            _ => format!("{start}-{end}"),
        });
        i += 1;
    }
    parts.join(",")
}

/// EventBridge's rate expression for an `every` duration in seconds, or why there is none.
pub fn rate_expression(seconds: u64) -> Result<String, String> {
    if seconds < 60 {
        return Err("a schedule can tick at most once a minute: use `1m` or more".to_string());
    }
    if !seconds.is_multiple_of(60) {
        return Err(format!(
            "EventBridge rates count whole minutes, and {seconds}s is not one: use `{}m`",
            seconds / 60
        ));
    }
    let minutes = seconds / 60;
    let (value, unit) = if minutes.is_multiple_of(1440) {
        (minutes / 1440, "day")
    } else if minutes.is_multiple_of(60) {
        (minutes / 60, "hour")
    } else {
        (minutes, "minute")
    };
    let plural = if value == 1 { "" } else { "s" };
    Ok(format!("rate({value} {unit}{plural})"))
}

/// Year, month (1-12), day (1-31) of a count of days since 1970-01-01 (Howard Hinnant's
/// algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `2026-11-27 03:00 UTC` for a Unix time.
pub fn format_utc(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let secs = t.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        secs / 3600,
        (secs % 3600) / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_to_eventbridge() {
        assert_eq!(
            Cron::parse("0 3 * * *").map(|c| c.to_aws()),
            Ok("cron(0 3 * * ? *)".into())
        );
        assert_eq!(
            Cron::parse("*/15 9-17 * * 1-5").map(|c| c.to_aws()),
            Ok("cron(*/15 9-17 ? * 2-6 *)".into())
        );
        assert_eq!(
            Cron::parse("0 0 * * SUN,7").map(|c| c.to_aws()),
            Ok("cron(0 0 ? * 1 *)".into())
        );
        assert_eq!(
            Cron::parse("0 12 1 * *").map(|c| c.to_aws()),
            Ok("cron(0 12 1 * ? *)".into())
        );
        assert!(Cron::parse("0 3 * *").is_err());
        assert!(Cron::parse("60 3 * * *").is_err());
        assert!(Cron::parse("0 3 1 * 1").is_err());
        assert!(Cron::parse("0 3 * * 1-x").is_err());
        assert!(Cron::parse("5-1 * * * *").is_err());
    }

    #[test]
    fn rates() {
        assert_eq!(rate_expression(3600), Ok("rate(1 hour)".into()));
        assert_eq!(rate_expression(300), Ok("rate(5 minutes)".into()));
        assert_eq!(rate_expression(7 * 86_400), Ok("rate(7 days)".into()));
        assert!(rate_expression(30).is_err());
        assert!(rate_expression(90).is_err());
    }

    #[test]
    fn next_runs_step_through_the_calendar() {
        // 2026-11-27 07:00 UTC, a Friday.
        let now = 1_795_762_800;
        assert_eq!(format_utc(now), "2026-11-27 07:00 UTC");
        let cron = Cron::parse("0 3 * * *").expect("valid");
        let runs: Vec<String> = cron.next_runs(now, 2).into_iter().map(format_utc).collect();
        assert_eq!(runs, vec!["2026-11-28 03:00 UTC", "2026-11-29 03:00 UTC"]);
        let monday = Cron::parse("30 9 * * MON").expect("valid");
        assert_eq!(
            format_utc(monday.next_runs(now, 1)[0]),
            "2026-11-30 09:30 UTC"
        );
        let leap = Cron::parse("0 0 29 2 *").expect("valid");
        assert_eq!(
            format_utc(leap.next_runs(now, 1)[0]),
            "2028-02-29 00:00 UTC"
        );
    }
}
