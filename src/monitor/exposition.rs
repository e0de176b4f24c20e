//! Prometheus' text exposition format, written: metric families with their `# HELP` and
//! `# TYPE` lines, samples with escaped labels, histograms with cumulative buckets. A family
//! without samples is left out (some parsers refuse one). Pure.

use std::fmt::Write;

/// A metric family's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// Only goes up (from the ledger, which keeps every run).
    Counter,
    /// Goes up and down.
    Gauge,
    /// Observations in cumulative buckets, with their sum and count.
    Histogram,
}

/// The exposition being written.
#[derive(Debug, Default)]
pub struct Exposition {
    text: String,
    /// The `# HELP` and `# TYPE` lines of the family started, until its first sample.
    header: Option<String>,
}

/// A histogram's figures, buckets cumulative.
#[derive(Debug, Clone, Copy)]
pub struct Buckets<'a> {
    /// The buckets' upper bounds.
    pub bounds: &'a [f64],
    /// For each bound, the observations at or under it.
    pub within: &'a [u64],
    /// Every observation (the `+Inf` bucket).
    pub count: u64,
    /// Their sum.
    pub sum: f64,
}

impl Exposition {
    /// Starts the family `name`.
    pub fn family(&mut self, name: &str, kind: Type, help: &str) {
        let kind = match kind {
            Type::Counter => "counter",
            Type::Gauge => "gauge",
            Type::Histogram => "histogram",
        };
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        self.header = Some(format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
    }

    /// One sample of the family last started.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        if let Some(header) = self.header.take() {
            self.text.push_str(&header);
        }
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (at, (label, value)) in labels.iter().enumerate() {
                if at > 0 {
                    self.text.push(',');
                }
                let _ = write!(self.text, "{label}=\"{}\"", escape(value));
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {}", number(value));
    }

    /// The samples of one histogram of the family `name` last started.
    pub fn histogram(&mut self, name: &str, labels: &[(&str, &str)], buckets: Buckets<'_>) {
        let bucket = format!("{name}_bucket");
        for (bound, within) in buckets.bounds.iter().zip(buckets.within) {
            let le = number(*bound);
            let mut with_le = labels.to_vec();
            with_le.push(("le", &le));
            self.sample(&bucket, &with_le, *within as f64);
        }
        let mut with_le = labels.to_vec();
        with_le.push(("le", "+Inf"));
        self.sample(&bucket, &with_le, buckets.count as f64);
        self.sample(&format!("{name}_sum"), labels, buckets.sum);
        self.sample(&format!("{name}_count"), labels, buckets.count as f64);
    }

    /// The text written.
    pub fn finish(self) -> String {
        self.text
    }
}

/// A label value escaped: backslash, double quote and line feed.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A value as Prometheus reads it: integers without a fraction.
fn number(value: f64) -> String {
    if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else if value.is_nan() {
        "NaN".to_owned()
    } else if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_samples_and_histograms_are_written_as_prometheus_reads_them() {
        let mut exposition = Exposition::default();
        exposition.family("x_total", Type::Counter, "Things.\nMany.");
        exposition.sample("x_total", &[("file", "a\"b\\c\nd")], 3.0);
        exposition.family("empty_total", Type::Counter, "Left out.");
        exposition.family("y_seconds", Type::Histogram, "Time.");
        exposition.histogram(
            "y_seconds",
            &[("kind", "users")],
            Buckets {
                bounds: &[0.5, 2.0],
                within: &[1, 2],
                count: 3,
                sum: 4.25,
            },
        );
        assert_eq!(
            exposition.finish(),
            "# HELP x_total Things.\\nMany.\n\
             # TYPE x_total counter\n\
             x_total{file=\"a\\\"b\\\\c\\nd\"} 3\n\
             # HELP y_seconds Time.\n\
             # TYPE y_seconds histogram\n\
             y_seconds_bucket{kind=\"users\",le=\"0.5\"} 1\n\
             y_seconds_bucket{kind=\"users\",le=\"2\"} 2\n\
             y_seconds_bucket{kind=\"users\",le=\"+Inf\"} 3\n\
             y_seconds_sum{kind=\"users\"} 4.25\n\
             y_seconds_count{kind=\"users\"} 3\n"
        );
    }
}
