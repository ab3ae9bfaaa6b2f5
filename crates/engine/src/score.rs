//! The scorecard: a pure function of findings.
//!
//! Each finding removes a share of what is left of its category's 100 points:
//! `share = severity weight × confidence factor`, so findings compound without ever going below 0,
//! and a second problem costs less than the first.
//!
//! | severity | weight |   | confidence | factor |
//! |---|---|---|---|---|
//! | critical | 0.45 | | high | 1.0 |
//! | high | 0.25 | | medium | 0.75 |
//! | medium | 0.10 | | low | 0.5 |
//! | low | 0.04 | | | |
//! | info | 0 | | | |
//!
//! A category is *assessed* only when at least one of its rules ran over matching input; otherwise its
//! score is `None` ("not assessed"), never a free 100. The overall score is the average of the mean and
//! the minimum of the assessed categories, so one failing area pulls the total down visibly.

use std::collections::BTreeSet;

use crate::report::{Category, Confidence, Finding, Scores, Severity};

pub fn severity_weight(s: Severity) -> f64 {
    match s {
        Severity::Critical => 0.45,
        Severity::High => 0.25,
        Severity::Medium => 0.10,
        Severity::Low => 0.04,
        Severity::Info => 0.0,
    }
}

pub fn confidence_factor(c: Confidence) -> f64 {
    match c {
        Confidence::High => 1.0,
        Confidence::Medium => 0.75,
        Confidence::Low => 0.5,
    }
}

/// The share of its category's remaining points one finding removes.
pub fn penalty(f: &Finding) -> f64 {
    severity_weight(f.severity) * confidence_factor(f.confidence)
}

/// Points a finding costs on its own (for "what cost the most").
pub fn points(f: &Finding) -> u8 {
    (penalty(f) * 100.0).round() as u8
}

pub fn score(findings: &[Finding], assessed: &BTreeSet<Category>) -> Scores {
    let mut scores = Scores::default();
    for cat in Category::ALL {
        let value = assessed.contains(&cat).then(|| {
            let remaining: f64 = findings.iter().filter(|f| f.category == cat).map(|f| 1.0 - penalty(f)).product();
            (remaining * 100.0).round().clamp(0.0, 100.0) as u8
        });
        scores.categories.insert(cat, value);
    }
    let assessed_scores: Vec<f64> = scores.categories.values().flatten().map(|&v| f64::from(v)).collect();
    if !assessed_scores.is_empty() {
        let mean = assessed_scores.iter().sum::<f64>() / assessed_scores.len() as f64;
        let min = assessed_scores.iter().copied().fold(f64::INFINITY, f64::min);
        scores.overall = Some(((mean + min) / 2.0).round() as u8);
    }
    scores
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(category: Category, severity: Severity, confidence: Confidence) -> Finding {
        Finding {
            code: "X".into(),
            name: "x".into(),
            category,
            severity,
            confidence,
            path: "p".into(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 2,
            message: String::new(),
            django_id: None,
            fix: None,
            playbook: String::new(),
            diff: None,
        }
    }

    #[test]
    fn unassessed_categories_have_no_score() {
        let s = score(&[], &BTreeSet::from([Category::Queries]));
        assert_eq!(s.categories[&Category::Queries], Some(100));
        assert_eq!(s.categories[&Category::Async], None);
        assert_eq!(s.overall, Some(100));
        assert_eq!(score(&[], &BTreeSet::new()).overall, None);
    }

    #[test]
    fn findings_compound_and_overall_leans_to_the_worst() {
        let fs = vec![
            finding(Category::Queries, Severity::High, Confidence::High),
            finding(Category::Queries, Severity::High, Confidence::High),
        ];
        let s = score(&fs, &BTreeSet::from([Category::Queries, Category::Syntax]));
        // 100 × 0.75 × 0.75 = 56.25
        assert_eq!(s.categories[&Category::Queries], Some(56));
        // mean 78, min 56 → 67
        assert_eq!(s.overall, Some(67));
    }

    #[test]
    fn scores_never_leave_0_to_100() {
        let fs: Vec<Finding> =
            (0..200).map(|_| finding(Category::Queries, Severity::Critical, Confidence::High)).collect();
        let s = score(&fs, &BTreeSet::from([Category::Queries]));
        assert_eq!(s.categories[&Category::Queries], Some(0));
    }
}
