//! A [`Report`] as text (a terminal), Markdown (a pull-request comment) or
//! JSON (a versioned document for tools).

use super::{Change, Finding, PipelineDiff, Report, Rollout, format_seconds};

/// The `format_version` of the JSON document.
pub const FORMAT_VERSION: &str = "1";

/// Plain text, one line per change.
pub fn text(report: &Report) -> String {
    if !report.has_changes() {
        return "no changes to any pipeline or policy result\n".to_string();
    }
    let mut out = String::new();
    for pipeline in &report.pipelines {
        out.push_str(&format!(
            "pipeline {} ({})\n",
            pipeline.pipeline, pipeline.status
        ));
        for change in &pipeline.changes {
            out.push_str(&format!(
                "  {} {}: {}{}\n",
                sign(change),
                change.subject,
                change.what,
                change
                    .provenance
                    .as_ref()
                    .map_or_else(String::new, |place| format!("  ({place})"))
            ));
        }
        if let Some(rollout) = pipeline.rollout {
            out.push_str(&format!("  rollout: {}\n", rollout_text(rollout)));
        }
    }
    findings_text(&mut out, report, Some("policy results\n"), |finding| {
        format!(
            "{}[{}] {} ({}{})",
            finding.severity,
            finding.code,
            finding.message,
            pipelines_of(finding, |name| format!("`{name}`")),
            finding.at
        )
    });
    out
}

/// Markdown for a pull-request comment: a summary table, then the changes
/// of each pipeline.
pub fn markdown(report: &Report) -> String {
    if !report.has_changes() {
        return "**pipec diff**: no changes to any pipeline or policy result.\n".to_string();
    }
    let mut out = String::from(
        "### pipec diff\n\n| pipeline | status | changes | rollout |\n| --- | --- | --- | --- |\n",
    );
    for pipeline in &report.pipelines {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            pipeline.pipeline,
            pipeline.status,
            pipeline.changes.len(),
            pipeline
                .rollout
                .map_or_else(|| "—".to_string(), rollout_text)
        ));
    }
    for pipeline in &report.pipelines {
        out.push_str(&format!("\n#### `{}`\n\n", pipeline.pipeline));
        for change in &pipeline.changes {
            out.push_str(&format!(
                "- {} `{}`: {}{}\n",
                sign(change),
                change.subject,
                escape_markdown(&change.what),
                change
                    .provenance
                    .as_ref()
                    .map_or_else(String::new, |place| format!(" — `{place}`"))
            ));
        }
    }
    if !report.findings_added.is_empty() || !report.findings_removed.is_empty() {
        out.push_str("\n#### Policy results\n\n");
        findings_text(&mut out, report, None, |finding| {
            format!(
                "{} `{}` {} — {}`{}`",
                finding.severity,
                finding.code,
                escape_markdown(&finding.message),
                pipelines_of(finding, |name| format!("`{name}`")),
                finding.at
            )
        });
    }
    out
}

/// A versioned JSON document: `format_version`, `changed`, `pipelines`
/// (each with its changes and rollout) and `policy` (findings added and
/// removed).
pub fn json(report: &Report) -> String {
    #[derive(serde::Serialize)]
    struct Document<'r> {
        format_version: &'static str,
        changed: bool,
        pipelines: &'r [PipelineDiff],
        policy: Policy<'r>,
    }
    #[derive(serde::Serialize)]
    struct Policy<'r> {
        added: &'r [Finding],
        removed: &'r [Finding],
    }
    let document = Document {
        format_version: FORMAT_VERSION,
        changed: report.has_changes(),
        pipelines: &report.pipelines,
        policy: Policy {
            added: &report.findings_added,
            removed: &report.findings_removed,
        },
    };
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

fn sign(change: &Change) -> &'static str {
    if change.kind.ends_with("-added") {
        "+"
    } else if change.kind.ends_with("-removed") {
        "-"
    } else {
        "~"
    }
}

/// The policy findings added (`+`) and removed (`-`), one per line, after
/// `header` when there are any.
fn findings_text(
    out: &mut String,
    report: &Report,
    header: Option<&str>,
    line: impl Fn(&Finding) -> String,
) {
    if report.findings_added.is_empty() && report.findings_removed.is_empty() {
        return;
    }
    out.push_str(header.unwrap_or_default());
    for finding in &report.findings_added {
        out.push_str(&format!("  + {}\n", line(finding)));
    }
    for finding in &report.findings_removed {
        out.push_str(&format!("  - {}\n", line(finding)));
    }
}

/// The pipelines a finding holds for, each written by `name`, then `, `:
/// `pipeline `a`, ` or `pipelines `a`, `b`, `; nothing without any.
fn pipelines_of(finding: &Finding, name: impl Fn(&str) -> String) -> String {
    let names: Vec<String> = finding.pipelines.iter().map(|p| name(p)).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => format!("pipeline {one}, "),
        _ => format!("pipelines {}, ", names.join(", ")),
    }
}

/// `3d1h25m → 3d13h25m (+12h)`.
fn rollout_text(rollout: Rollout) -> String {
    let delta = rollout.after_seconds - rollout.before_seconds;
    let sign = if delta < 0 { "-" } else { "+" };
    format!(
        "{} → {} ({sign}{})",
        format_seconds(rollout.before_seconds.unsigned_abs()),
        format_seconds(rollout.after_seconds.unsigned_abs()),
        format_seconds(delta.unsigned_abs())
    )
}

/// Text safe inside a Markdown list item: characters that would start
/// formatting or HTML are escaped.
fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escapes_what_would_format() {
        assert_eq!(escape_markdown("a_b <x> `c`"), "a\\_b \\<x\\> \\`c\\`");
    }

    #[test]
    fn rollout_deltas_have_a_sign() {
        let longer = Rollout {
            before_seconds: 3_600,
            after_seconds: 3 * 3_600,
        };
        assert_eq!(rollout_text(longer), "1h → 3h (+2h)");
        let shorter = Rollout {
            before_seconds: 3 * 3_600,
            after_seconds: 3_600,
        };
        assert_eq!(rollout_text(shorter), "3h → 1h (-2h)");
    }
}
