//! Every case of shared/reference/apache-syntax-cases.md, parsed the way
//! httpd reads it, printed back byte for byte; insta snapshots of the
//! syntax tree for a representative set.

mod common;

use conflint_core::httpd::{HttpdFile, LineKind, Quote};

fn parse(src: &[u8]) -> HttpdFile {
    let file = HttpdFile::parse(src.to_vec())
        .unwrap_or_else(|e| panic!("{:?} does not parse: {e}", String::from_utf8_lossy(src)));
    assert_eq!(file.print(), src, "round-trip");
    file
}

/// The directives of a file as `name [args]`, sections as `<name [args]>`.
fn items(src: &str) -> Vec<String> {
    let file = parse(src.as_bytes());
    file.lines
        .iter()
        .filter_map(|line| match &line.kind {
            LineKind::Directive(d) => Some(format!("{} {:?}", file.text(d.name), file.arg_values(&d.args))),
            LineKind::Open(o) => Some(format!("<{} {:?}>", file.text(o.name), file.arg_values(&o.args))),
            LineKind::Close(c) => Some(format!("</{}>", file.text(c.name))),
            LineKind::Comment { .. } => Some("#".to_string()),
            LineKind::Raw => Some("raw".to_string()),
            LineKind::Blank => None,
        })
        .collect()
}

fn error(src: &str) -> (usize, String) {
    let e = HttpdFile::parse(src.as_bytes().to_vec()).expect_err("must not parse");
    (e.line, e.message)
}

#[test]
fn a_plain_directives() {
    assert_eq!(items("DocumentRoot \"/srv/www/site\"\n"), [r#"DocumentRoot ["/srv/www/site"]"#]);
    assert_eq!(items("ErrorLog '/var/log/httpd/site-error.log'\n"), [r#"ErrorLog ["/var/log/httpd/site-error.log"]"#]);
    assert_eq!(items("Alias /static/ /srv/static/\n"), [r#"Alias ["/static/", "/srv/static/"]"#]);
    assert_eq!(items("SSLRequireSSL\n"), ["SSLRequireSSL []"]);
    assert_eq!(items("deny from all\n"), [r#"deny ["from", "all"]"#]);
    assert_eq!(items("MaxSpareServers      10\n"), [r#"MaxSpareServers ["10"]"#]);
    assert_eq!(items("IndexIgnore .??* *~ *# *.bak\n"), [r#"IndexIgnore [".??*", "*~", "*#", "*.bak"]"#]);
    assert_eq!(items("Options -Indexes +FollowSymLinks\n"), [r#"Options ["-Indexes", "+FollowSymLinks"]"#]);
    assert_eq!(items("Require ip 10.0.0.0/8 ::1/128\n"), [r#"Require ["ip", "10.0.0.0/8", "::1/128"]"#]);
    // A10: backslashes in a regex are not continuations; only `\\` unescapes.
    assert_eq!(
        items("RewriteRule ^/old/(.*)$ https\\:\\/\\/new\\.example\\/$1 [R=301,L]\n"),
        [r#"RewriteRule ["^/old/(.*)$", "https\\:\\/\\/new\\.example\\/$1", "[R=301,L]"]"#]
    );
    assert_eq!(
        items("RewriteRule \\.js\\.br$ - [T=application/javascript,E=no-brotli:1]\n"),
        [r#"RewriteRule ["\\.js\\.br$", "-", "[T=application/javascript,E=no-brotli:1]"]"#]
    );
}

#[test]
fn b_quoting() {
    assert_eq!(
        items("LogFormat \"%h \\\"%r\\\" %>s \\\"%{User-Agent}i\\\"\" short\n"),
        [r#"LogFormat ["%h \"%r\" %>s \"%{User-Agent}i\"", "short"]"#]
    );
    assert_eq!(items("LogFormat \"%{X-Forwarded-For}i %t\" fwd\n"), [r#"LogFormat ["%{X-Forwarded-For}i %t", "fwd"]"#]);
    // B3: a continuation inside quotes joins with no space.
    assert_eq!(
        items("Header set X-Note \"first part \\\nsecond part\"\n"),
        [r#"Header ["set", "X-Note", "first part second part"]"#]
    );
    // B4: two quoted arguments with nothing between them.
    assert_eq!(
        items("ProxyPass \"/api\"\"http://127.0.0.1:9000/api\"\n"),
        [r#"ProxyPass ["/api", "http://127.0.0.1:9000/api"]"#]
    );
    // B5: quotes inside a bare word are plain characters.
    assert_eq!(
        items("WSGIDaemonProcess app display-name='%{GROUP}' threads=4\n"),
        [r#"WSGIDaemonProcess ["app", "display-name='%{GROUP}'", "threads=4"]"#]
    );
    assert_eq!(
        items("RequestHeader set X-Scheme https expr=(%{HTTP:X-Info}='{\"a\":\"b\"}')\n"),
        [r#"RequestHeader ["set", "X-Scheme", "https", "expr=(%{HTTP:X-Info}='{\"a\":\"b\"}')"]"#]
    );
    // B7, B8: a quote never closed runs to the end of the line, no error.
    let file = parse(
        b"ErrorDocument 403 \"Access to this area is not allowed.\nSSLCipherSuite \"ECDHE+AESGCM ECDHE+CHACHA20\n",
    );
    let LineKind::Directive(d) = &file.lines[0].kind else { panic!() };
    assert_eq!(d.args[1].quote, Quote::Quoted { mark: b'"', closed: false });
    assert_eq!(file.arg_value(&d.args[1]), "Access to this area is not allowed.");
    assert_eq!(items("RewriteCond ${pagemap:$1} >\"\"\n"), [r#"RewriteCond ["${pagemap:$1}", ">\"\""]"#]);
    assert_eq!(
        items("RewriteCond ${redirects:%{REQUEST_URI}} !=\"\"\n"),
        [r#"RewriteCond ["${redirects:%{REQUEST_URI}}", "!=\"\""]"#]
    );
}

#[test]
fn c_continuations() {
    assert_eq!(items("Options Indexes \\\n    MultiViews\n"), [r#"Options ["Indexes", "MultiViews"]"#]);
    // C2, C3: an open tag over several lines, `>` alone on the last one,
    // and continuation lines that hold only whitespace and `\`.
    assert_eq!(
        items("<VirtualHost \\\n  192.0.2.10:8080 \\\n  [2001:db8::5]:8080 \\\n  >\n</VirtualHost>\n"),
        [r#"<VirtualHost ["192.0.2.10:8080", "[2001:db8::5]:8080"]>"#, "</VirtualHost>"]
    );
    assert_eq!(
        items("<VirtualHost \\\n  192.0.2.1:80 \\\n  \\\n  >\n</VirtualHost>\n"),
        [r#"<VirtualHost ["192.0.2.1:80"]>"#, "</VirtualHost>"]
    );
    assert_eq!(
        items("<FilesMatch \\.(bak|old)$>\n</FilesMatch>\n"),
        [r#"<FilesMatch ["\\.(bak|old)$"]>"#, "</FilesMatch>"]
    );
    // C5: `\ ` is mod_rewrite's business; the general tokenizer splits there.
    assert_eq!(
        items("RewriteCond %{THE_REQUEST} ^GET\\ /private/\\ HTTP/\n"),
        [r#"RewriteCond ["%{THE_REQUEST}", "^GET\\", "/private/\\", "HTTP/"]"#]
    );
    assert_eq!(items("<FilesMatch \\ space\\.txt$></FilesMatch>\n</FilesMatch>\n").len(), 2);
    // C7-C9: a comment ending in `\` comments out the next line too.
    assert_eq!(items("#LoadModule foo_module \\\n    modules/mod_foo.so\nX y\n"), ["#", r#"X ["y"]"#]);
    assert_eq!(items("# \\\n\nX y\n"), ["#", r#"X ["y"]"#]);
    assert_eq!(items("# \\\n\\\nnote \\\n\\\n\nX y\n"), ["#", r#"X ["y"]"#]);
}

#[test]
fn d_comments_and_blank_lines() {
    assert_eq!(items("\t# rotate logs weekly\n##\n## Section banner\n#\n"), ["#", "#", "#", "#"]);
    // D3, D4, F9: text after the last `>` of an open tag, and after a closing tag, is ignored.
    assert_eq!(
        items("<Directory /srv/app> # app root\n</Directory> # end\n"),
        [r#"<Directory ["/srv/app"]>"#, "</Directory>"]
    );
    assert_eq!(items("<If \"true\">#\n</If>\n"), [r#"<If ["true"]>"#, "</If>"]);
    assert_eq!(
        items("<IfModule mod_ssl.c>\n    # TLS settings follow\n</IfModule>\n"),
        [r#"<IfModule ["mod_ssl.c"]>"#, "#", "</IfModule>"]
    );
    assert_eq!(items("<Location /x>\n  \n\n</Location>\n"), [r#"<Location ["/x"]>"#, "</Location>"]);
}

#[test]
fn e_sections() {
    assert_eq!(items("<IfModule>\n</IfModule>\n"), ["<IfModule []>", "</IfModule>"]);
    assert_eq!(
        items("<IfModule !mpm_prefork_module>\n  <IfModule !mpm_worker_module>\n  </IfModule>\n</IfModule>\n"),
        [r#"<IfModule ["!mpm_prefork_module"]>"#, r#"<IfModule ["!mpm_worker_module"]>"#, "</IfModule>", "</IfModule>"]
    );
    assert_eq!(items("<IfDefine !NO_SSL>\n</IfDefine>\n"), [r#"<IfDefine ["!NO_SSL"]>"#, "</IfDefine>"]);
    // E4: closing tags match without regard to case.
    assert_eq!(items("<IfModule mod_x.c>\n</ifmodule>\n"), [r#"<IfModule ["mod_x.c"]>"#, "</ifmodule>"]);
    // E5: two closing tags on one line: the first word closes, the rest is
    // ignored, so the outer conditional runs to the end of the file.
    let file = parse(b"<IfModule mod_ssl.c>\n<VirtualHost *:443>\n</VirtualHost> </IfModule>\n");
    let LineKind::Open(outer) = &file.lines[0].kind else { panic!() };
    assert_eq!(outer.close, None);
    assert_eq!(
        items("<IfVersion >= 2.4.10>\n</IfVersion>\n<IfVersion = 2.2>\n</IfVersion>\n")[0],
        r#"<IfVersion [">=", "2.4.10"]>"#
    );
    assert_eq!(items("<Files ~ \"^\\.git\">\n</Files>\n")[0], r#"<Files ["~", "^\\.git"]>"#);
    assert_eq!(
        items("<If \"%{HTTP_HOST} == 'www.example.org'\">\n</If>\n")[0],
        r#"<If ["%{HTTP_HOST} == 'www.example.org'"]>"#
    );
    assert_eq!(
        items("<VirtualHost 192.0.2.7:443 [2001:db8::7]:443>\n</VirtualHost>\n")[0],
        r#"<VirtualHost ["192.0.2.7:443", "[2001:db8::7]:443"]>"#
    );
    // E11: <Perl> holds Perl, not httpd syntax.
    assert_eq!(items("<Perl>\n  $My::Var = 42;\n  <<EOF;\n</Perl>\n"), ["<Perl []>", "raw", "raw", "</Perl>"]);
    assert_eq!(
        items("SSLRequire %{SSL_CLIENT_S_DN_O} in {\"Acme Ltd\", Example}\n"),
        [r#"SSLRequire ["%{SSL_CLIENT_S_DN_O}", "in", "{\"Acme", "Ltd\",", "Example}"]"#]
    );
}

#[test]
fn e6_open_and_close_on_one_line_leaves_the_section_open_as_in_httpd() {
    // httpd cuts the arguments at the LAST `>`, so `</Files>` is read as part
    // of the open tag's arguments: `apache2 -t` says "<Files> was not closed."
    let (line, message) = error("<Files \"x.txt\"></Files>\nServerSignature On\n");
    assert_eq!((line, message.as_str()), (1, "<Files> was not closed."));
}

#[test]
fn f_outside_augeas() {
    assert_eq!(
        items("Define SITE_ROOT /srv/site\nDocumentRoot ${SITE_ROOT}/htdocs\n"),
        [r#"Define ["SITE_ROOT", "/srv/site"]"#, r#"DocumentRoot ["${SITE_ROOT}/htdocs"]"#]
    );
    assert_eq!(items("IncludeOptional conf.d/*.conf\n"), [r#"IncludeOptional ["conf.d/*.conf"]"#]);
    assert_eq!(
        items("<Macro Site $name $port>\n  Listen $port\n</Macro>\nUse Site blog 8081\n"),
        [r#"<Macro ["Site", "$name", "$port"]>"#, r#"Listen ["$port"]"#, "</Macro>", r#"Use ["Site", "blog", "8081"]"#]
    );
    assert_eq!(items("Listen @@Port@@\n@@LoadModule@@\n"), [r#"Listen ["@@Port@@"]"#, "@@LoadModule@@ []"]);
    assert_eq!(items("<VirtualHost *:80>\n</VirtualHost>"), [r#"<VirtualHost ["*:80"]>"#, "</VirtualHost>"]);
    assert!(items("").is_empty());
    assert_eq!(
        items("ServerName a.example\r\nOptions A\\\r\nB\r\n"),
        [r#"ServerName ["a.example"]"#, r#"Options ["AB"]"#]
    );
    assert_eq!(items("ServerTokens Prod   \n# note \t\n"), [r#"ServerTokens ["Prod"]"#, "#"]);
    assert_eq!(
        items("<If \"-R '10.0.0.0/8'\">\n</If>\n<ElseIf \"-R '10.1.0.0/16'\">\n</ElseIf>\n<Else>\n</Else>\n"),
        [
            r#"<If ["-R '10.0.0.0/8'"]>"#,
            "</If>",
            r#"<ElseIf ["-R '10.1.0.0/16'"]>"#,
            "</ElseIf>",
            "<Else []>",
            "</Else>"
        ]
    );
}

#[test]
fn closing_tag_errors_use_httpds_words() {
    assert_eq!(error("<Directory /x>\n</Directory >\n"), (2, "</Directory> directive missing closing '>'".to_string()));
    assert_eq!(
        error("<Directory /x>\n</Directory>junk\n"),
        (2, "</Directory>junk> directive missing closing '>'".to_string())
    );
    assert_eq!(error("<Directory /x>\n</Location>\n"), (2, "Expected </Directory> but saw </Location>".to_string()));
    assert_eq!(
        error("ServerName x\n</Directory>\n"),
        (2, "</Directory> without matching <Directory> section".to_string())
    );
    assert_eq!(
        error("ServerName x\n<VirtualHost 1.1.1.1>\n\nServerName invalid.net\n"),
        (2, "<VirtualHost> was not closed.".to_string())
    );
    assert_eq!(error("<Directory /x\n</Directory>\n"), (1, "<Directory> directive missing closing '>'".to_string()));
}

#[test]
fn lossless_fixtures() {
    // CRLF with a CRLF continuation, a BOM, no final newline, Shift_JIS and
    // Latin-1 bytes, a lone CR, trailing whitespace.
    let fixtures: &[&[u8]] = &[
        b"ServerName a.example\r\n<VirtualHost *:80>\r\n  Options A \\\r\n    B\r\n</VirtualHost>\r\n",
        b"\xEF\xBB\xBFServerTokens Prod\n",
        b"ServerTokens Prod",
        b"# \x93\xfa\x96\x7b\x8c\xea\x82\xcc\x83\x52\x83\x81\x83\x93\x83\x67\nServerAdmin ren\xe9@example.com\n",
        b"ServerName a\rb\n",
        b"  ServerTokens Prod \t \n\n\t\n",
        b"<IfModule x>\n",
        b"\\\n",
        b"X \\",
    ];
    for fixture in fixtures {
        parse(fixture);
    }
    let file = parse(b"\xEF\xBB\xBFServerTokens Prod\n");
    assert!(file.bom.is_some());
    let latin = parse(b"ServerAdmin ren\xe9@example.com\n");
    let LineKind::Directive(d) = &latin.lines[0].kind else { panic!() };
    assert_eq!(&latin.source()[d.args[0].span.range()], b"ren\xe9@example.com");
}

#[test]
fn snapshots_of_representative_trees() {
    let cases: &[(&str, &str)] = &[
        (
            "vhost",
            "<VirtualHost *:80 [::]:80>\n    ServerName www.example.com\n    <Location \"/\">\n        Require all denied\n    </Location>\n</VirtualHost>\n",
        ),
        (
            "continuations",
            "<VirtualHost \\\n  192.0.2.10:8080 \\\n  >\n    Options Indexes \\\n        MultiViews\n#LoadModule x \\\n  y.so\n</VirtualHost>\n",
        ),
        (
            "conditional_to_eof",
            "<IfModule mod_ssl.c>\n  <VirtualHost *:443>\n    SSLEngine on\n  </VirtualHost> </IfModule>\n",
        ),
        (
            "quotes",
            "LogFormat \"%h \\\"%r\\\"\" short\nProxyPass \"/a\"\"http://b/\"\nErrorDocument 403 \"unterminated\n",
        ),
        ("perl_and_macro", "<Perl>\n$x = 1;\n</Perl>\n<Macro M $a>\n  Listen $a\n</Macro>\nUse M 8080\n"),
    ];
    for (name, src) in cases {
        let file = parse(src.as_bytes());
        common::snapshots("httpd").bind(|| insta::assert_snapshot!(format!("httpd_tree_{name}"), file.outline()));
    }
}

#[test]
fn deep_nesting_does_not_overflow() {
    let depth = 20_000;
    let mut src = String::new();
    for _ in 0..depth {
        src.push_str("<Directory /x>\n");
    }
    for _ in 0..depth {
        src.push_str("</Directory>\n");
    }
    let file = parse(src.as_bytes());
    assert_eq!(file.lines.len(), 2 * depth);
    let unclosed = "<Location />\n".repeat(depth);
    assert_eq!(error(&unclosed).1, "<Location> was not closed.");
}

#[test]
fn a_five_megabyte_line_parses() {
    let mut src = String::from("Header set X \"");
    src.push_str(&"a".repeat(5 << 20));
    src.push_str("\"\n");
    parse(src.as_bytes());
}

/// The byte-level reading of plain lines and pest's reading agree on
/// random input made of the characters that matter.
#[test]
fn fast_path_and_grammar_agree_on_random_lines() {
    let alphabet: &[&[u8]] = &[
        b"<",
        b">",
        b"</",
        b"/",
        b"#",
        b"\"",
        b"'",
        b"\\",
        b" ",
        b"\t",
        b"\r",
        b"\n",
        b"\r\n",
        b"\\\n",
        b"\\\r\n",
        b"a",
        b"Directory",
        b"IfModule",
        b"x.c",
        b"Perl",
        b"\x0b",
        b"\xff",
        b"\xc3\xa9",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..30_000 {
        let len = (next() % 24) as usize;
        let mut doc = Vec::new();
        for _ in 0..len {
            doc.extend_from_slice(alphabet[(next() % alphabet.len() as u64) as usize]);
        }
        let fast = HttpdFile::parse(doc.clone()).map(|f| (f.bom, f.lines));
        let grammar = HttpdFile::parse_with_grammar_only(doc.clone()).map(|f| (f.bom, f.lines));
        // Both read the same tree, or both refuse the file (when it has
        // several errors, the line-by-line reading names the first one).
        match (&fast, &grammar) {
            (Err(_), Err(_)) => {}
            _ => assert_eq!(fast, grammar, "{:?}", String::from_utf8_lossy(&doc)),
        }
    }
}
