//! Resuming a log follow after a broken connection, without duplicating or losing lines.
//!
//! The follow asks Docker for timestamps: every message then starts with its RFC 3339 time
//! (nanoseconds). A [`Resume`] remembers the latest time seen and how many messages carried it;
//! after a reconnect from that second ([`Resume::since`]), it lets through only messages later
//! than the latest, and of those stamped exactly with it, the ones beyond the count already seen.

/// A log message's time: Unix seconds and nanoseconds.
pub(crate) type Stamp = (i64, u32);

/// What a follow has seen, to skip it after a reconnect.
#[derive(Debug, Default)]
pub(crate) struct Resume {
    latest: Option<Stamp>,
    at_latest: usize,
    to_skip: usize,
}

impl Resume {
    /// Whether a message stamped `stamp` is new; records it when it is.
    pub(crate) fn is_new(&mut self, stamp: Stamp) -> bool {
        match self.latest {
            Some(latest) if stamp < latest => false,
            Some(latest) if stamp == latest => {
                if self.to_skip > 0 {
                    self.to_skip -= 1;
                    false
                } else {
                    self.at_latest += 1;
                    true
                }
            }
            _ => {
                self.latest = Some(stamp);
                self.at_latest = 1;
                self.to_skip = 0;
                true
            }
        }
    }

    /// Prepares for a reconnect; the Unix second to ask the logs from (`None`: from the start).
    pub(crate) fn since(&mut self) -> Option<i64> {
        self.to_skip = self.at_latest;
        self.latest.map(|(secs, _)| secs)
    }
}

/// Splits `<RFC 3339 time> <message>` into the time and the message; `None` when `bytes` does
/// not start with a time.
pub(crate) fn split_stamp(bytes: &[u8]) -> Option<(Stamp, &[u8])> {
    let space = bytes.iter().take(40).position(|&b| b == b' ')?;
    let stamp = parse_rfc3339(std::str::from_utf8(&bytes[..space]).ok()?)?;
    Some((stamp, &bytes[space + 1..]))
}

/// `2026-11-29T13:22:05.123456789Z` (or with an offset, `+01:00`) as Unix seconds and nanos.
pub(crate) fn parse_rfc3339(s: &str) -> Option<Stamp> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if b[16] != b':' || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut rest = &s[19..];
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        nanos = frac[..digits].parse::<u32>().ok()? * 10u32.pow(9 - digits as u32);
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) => {
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            let (h, m) = (num(s.len() - 5..s.len() - 3)?, num(s.len() - 2..s.len())?);
            sign * (h * 3600 + m * 60)
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some((
        days * 86_400 + hour * 3600 + minute * 60 + second - offset,
        nanos,
    ))
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod should {
    use super::*;

    #[test]
    fn parse_docker_timestamps() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some((0, 0)));
        assert_eq!(
            parse_rfc3339("2026-11-29T13:22:05.123456789Z"),
            Some((1_795_958_525, 123_456_789))
        );
        assert_eq!(
            parse_rfc3339("2026-11-29T14:22:05.5+01:00"),
            Some((1_795_958_525, 500_000_000))
        );
        assert_eq!(
            parse_rfc3339("2000-02-29T00:00:00Z"),
            Some((951_782_400, 0))
        );
        for bad in [
            "",
            "hello",
            "2026-11-29 13:22:05Z",
            "2026-13-01T00:00:00Z",
            "2026-11-29T13:22:05.Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn split_the_stamp_from_the_message() {
        let (stamp, text) = split_stamp(b"2026-11-29T13:22:05.000000001Z ready\n").unwrap();
        assert_eq!((stamp, text), ((1_795_958_525, 1), &b"ready\n"[..]));
        assert_eq!(split_stamp(b"ready\n"), None);
    }

    #[test]
    fn let_through_only_what_was_not_seen_before_the_reconnect() {
        let mut r = Resume::default();
        let seen: Vec<bool> = [(5, 1), (5, 2), (5, 2), (6, 0)]
            .into_iter()
            .map(|s| r.is_new(s))
            .collect();
        assert_eq!(seen, [true, true, true, true]);
        assert_eq!(r.since(), Some(6));
        // The engine sends again everything from second 6.
        assert!(!r.is_new((6, 0)));
        assert!(
            r.is_new((6, 0)),
            "a second message with the same time is new"
        );
        assert!(r.is_new((6, 7)));
        assert_eq!(r.since(), Some(6));
        assert!(!r.is_new((5, 9)));
        assert!(!r.is_new((6, 0)));
        assert!(!r.is_new((6, 0)));
        assert!(!r.is_new((6, 7)));
        assert!(r.is_new((6, 8)));
        assert_eq!(Resume::default().since(), None);
    }
}
