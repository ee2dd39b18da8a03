//! Debian's `envvars`: the shell file apache2ctl sources before starting
//! httpd, which defines `APACHE_LOG_DIR` and friends used as `${VAR}`.
//!
//! Only plain `NAME=value` and `export NAME=value` lines are read, in order,
//! ignoring control flow; `$NAME`/`${NAME}` refer to earlier values. That is
//! exact for Debian's file, whose one `if` sets `SUFFIX` the same way on the
//! default path.

use std::collections::HashMap;

/// Variables assigned by an envvars file.
pub fn parse(text: &str) -> HashMap<String, String> {
    let mut vars: HashMap<String, String> = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let Some((name, value)) = line.split_once('=') else { continue };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        let value = unquote(value.split(" #").next().unwrap_or(value).trim());
        let expanded = expand(&value, &vars);
        vars.insert(name.to_string(), expanded);
    }
    vars
}

/// The names a start command line defines with `-D NAME` or `-DNAME`
/// (Debian's `APACHE_ARGUMENTS` in envvars, RHEL's `OPTIONS` in
/// /etc/sysconfig/httpd): what `<IfDefine>` then sees.
pub fn command_line_defines(arguments: &str) -> Vec<String> {
    let mut defines = Vec::new();
    let mut words = arguments.split_ascii_whitespace();
    while let Some(word) = words.next() {
        match word.strip_prefix("-D") {
            Some("") => defines.extend(words.next().map(str::to_string)),
            Some(name) => defines.push(name.to_string()),
            None => {}
        }
    }
    defines
}

fn unquote(value: &str) -> String {
    let v = value.as_bytes();
    if v.len() >= 2 && (v[0] == b'"' || v[0] == b'\'') && v[v.len() - 1] == v[0] {
        value[1..value.len() - 1].to_string()
    } else {
        value.to_string()
    }
}

/// Expand `$NAME` and `${NAME}` (simple names only) from earlier values.
fn expand(value: &str, vars: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (name, consumed) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) if inner[..end].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
                    (&inner[..end], end + 2)
                }
                _ => ("", 0),
            }
        } else {
            let end = after.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
            (&after[..end], end)
        };
        if consumed == 0 || name.is_empty() {
            out.push('$');
            rest = after;
            continue;
        }
        out.push_str(vars.get(name).map_or("", String::as_str));
        rest = &after[consumed..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_defines_from_start_arguments() {
        assert_eq!(command_line_defines("-DSSL -D  STATUS -k start -e info"), ["SSL", "STATUS"]);
        let vars = parse("export APACHE_ARGUMENTS='-D MAINTENANCE'\n#export APACHE_ARGUMENTS='-D OLD'\n");
        assert_eq!(command_line_defines(&vars["APACHE_ARGUMENTS"]), ["MAINTENANCE"]);
        assert!(command_line_defines("-D").is_empty());
    }

    #[test]
    fn reads_debian_envvars() {
        let text = "unset HOME\nif [ x ] ; then\n\tSUFFIX=\"-x\"\nelse\n\tSUFFIX=\nfi\nexport APACHE_RUN_USER=www-data\nexport APACHE_LOG_DIR=/var/log/apache2$SUFFIX\n";
        let vars = parse(text);
        assert_eq!(vars["APACHE_RUN_USER"], "www-data");
        assert_eq!(vars["APACHE_LOG_DIR"], "/var/log/apache2");
    }
}
