//! Argument parsing for the small, fixed CLI contract (no dependency needed).

use engine::{Options, Profile, Severity};

pub const USAGE: &str = "\
Usage:
  djreview check [OPTIONS] PATH...   analyse files and folders (`-` reads standard input)
  djreview rules                     list every rule
  djreview rule CODE|NAME            show a rule's documentation
  djreview --version

Options for `check`:
  --format text|json|markdown|sarif  output format (default: text)
  --fail-on LEVEL                    exit 1 when a finding is at or above LEVEL:
                                     info, low, medium, high (default), critical, or never
  --postgres N                       PostgreSQL major version migrations run on (default: 16)
  --profile production|development   what the settings are for (default: production);
                                     development keeps only the checks Django runs on every `check`
  --django VERSION                   Django version the settings are checked for (default: 5.2;
                                     6.0 and 6.1 add their deploy checks)
  --hot-table NAME                   a large or busy table (repeatable)
  --disable CODE|NAME                switch a rule off (repeatable)
  --changed-only                     with a unified diff among the inputs, keep only findings on
                                     lines it adds (findings elsewhere, in any file, are dropped)
  --color auto|always|never          colour in text output (default: auto; NO_COLOR is honoured)

Exit status: 0 no finding at or above the fail level, 1 at least one, 2 usage or IO error.
";

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Format {
    Text,
    Json,
    Markdown,
    Sarif,
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, PartialEq)]
pub struct Check {
    pub format: Format,
    pub fail_on: Option<Severity>,
    pub color: Color,
    pub options: Options,
    pub paths: Vec<String>,
}

#[derive(Debug, PartialEq)]
pub enum Command {
    Check(Check),
    Rules,
    Rule(String),
    Help,
    Version,
}

pub fn parse(argv: &[String]) -> Result<Command, String> {
    let mut it = argv.iter();
    let Some(first) = it.next() else { return Err("no command given".into()) };
    match first.as_str() {
        "-h" | "--help" | "help" => return Ok(Command::Help),
        "-V" | "--version" | "version" => return Ok(Command::Version),
        "rules" => return Ok(Command::Rules),
        "rule" => {
            return it
                .next()
                .map(|c| Command::Rule(c.clone()))
                .ok_or_else(|| "`rule` needs a rule code or name".into());
        }
        "check" => {}
        other => return Err(format!("unknown command `{other}`")),
    }
    let mut check = Check {
        format: Format::Text,
        fail_on: Some(Severity::High),
        color: Color::Auto,
        options: Options::default(),
        paths: Vec::new(),
    };
    let mut only_paths = false;
    while let Some(arg) = it.next() {
        if only_paths || !arg.starts_with("--") {
            check.paths.push(arg.clone());
            continue;
        }
        if arg == "--" {
            only_paths = true;
            continue;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f, Some(v.to_string())),
            None => (arg.as_str(), None),
        };
        if matches!(flag, "--help") {
            return Ok(Command::Help);
        }
        if flag == "--changed-only" {
            if inline.is_some() {
                return Err("`--changed-only` takes no value".into());
            }
            check.options.changed_only = true;
            continue;
        }
        let mut value =
            || inline.clone().or_else(|| it.next().cloned()).ok_or_else(|| format!("`{flag}` needs a value"));
        match flag {
            "--format" => {
                check.format = match value()?.as_str() {
                    "text" => Format::Text,
                    "json" => Format::Json,
                    "markdown" | "md" => Format::Markdown,
                    "sarif" => Format::Sarif,
                    v => return Err(format!("unknown format `{v}` (text, json, markdown, sarif)")),
                }
            }
            "--fail-on" => {
                let v = value()?;
                check.fail_on = match v.as_str() {
                    "never" | "none" => None,
                    s => Some(
                        Severity::parse(s)
                            .ok_or_else(|| format!("unknown level `{s}` (info, low, medium, high, critical, never)"))?,
                    ),
                }
            }
            "--postgres" => {
                let v = value()?;
                let n: u32 =
                    v.trim().parse().map_err(|_| format!("`--postgres` takes a major version number, not `{v}`"))?;
                if !(9..=30).contains(&n) {
                    return Err(format!("PostgreSQL {n} is not a version djreview knows (9 to 30)"));
                }
                check.options.postgres = n;
            }
            "--profile" => {
                check.options.profile = match value()?.as_str() {
                    "production" | "prod" => Profile::Production,
                    "development" | "dev" => Profile::Development,
                    v => return Err(format!("unknown profile `{v}` (production, development)")),
                }
            }
            "--django" => {
                let v = value()?;
                let ok = v.split('.').take(2).all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                    && (4..=9).contains(&v.split('.').next().unwrap_or("").parse::<u8>().unwrap_or(0));
                if !ok {
                    return Err(format!("`--django` takes a version such as 5.2 or 6.1, not `{v}`"));
                }
                check.options.django = v;
            }
            "--hot-table" => check.options.hot_tables.push(value()?),
            "--disable" => {
                let v = value()?;
                if engine::registry::find_rule(&v).is_none() {
                    return Err(format!("no rule named `{v}` (see `djreview rules`)"));
                }
                check.options.disabled_rules.push(v);
            }
            "--color" => {
                check.color = match value()?.as_str() {
                    "auto" => Color::Auto,
                    "always" => Color::Always,
                    "never" => Color::Never,
                    v => return Err(format!("unknown colour mode `{v}` (auto, always, never)")),
                }
            }
            _ => return Err(format!("unknown option `{flag}`")),
        }
    }
    if check.paths.is_empty() {
        return Err("`check` needs at least one PATH".into());
    }
    Ok(Command::Check(check))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_the_contract() {
        let Ok(Command::Check(c)) = parse(&args("check --format json --postgres 14 --fail-on medium a b")) else {
            panic!()
        };
        assert_eq!(c.format, Format::Json);
        assert_eq!(c.options.postgres, 14);
        assert_eq!(c.fail_on, Some(Severity::Medium));
        assert_eq!(c.paths, ["a", "b"]);
        let Ok(Command::Check(c)) = parse(&args("check --format=sarif --fail-on=never x")) else { panic!() };
        assert_eq!((c.format, c.fail_on), (Format::Sarif, None));
        assert!(!c.options.changed_only);
    }

    #[test]
    fn changed_only_is_a_switch() {
        let Ok(Command::Check(c)) = parse(&args("check --changed-only change.diff .")) else { panic!() };
        assert!(c.options.changed_only);
        assert_eq!(c.paths, ["change.diff", "."]);
        // It takes no value: the next word is still a path.
        let Ok(Command::Check(c)) = parse(&args("check x --changed-only")) else { panic!() };
        assert!(c.options.changed_only);
        assert_eq!(c.paths, ["x"]);
        assert!(parse(&args("check --changed-only=yes x")).is_err());
        assert!(USAGE.contains("--changed-only"));
    }

    #[test]
    fn rejects_bad_usage() {
        for bad in [
            "",
            "check",
            "check --format xml a",
            "check --postgres abc a",
            "check --fail-on severe a",
            "lint a",
            "check --nope a",
            "check --format",
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn defaults_fail_on_high() {
        let Ok(Command::Check(c)) = parse(&args("check .")) else { panic!() };
        assert_eq!(c.fail_on, Some(Severity::High));
        assert_eq!(c.options.postgres, 16);
    }
}
