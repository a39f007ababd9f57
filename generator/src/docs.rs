//! Spec descriptions (CommonMark with some inline HTML) to rustdoc Markdown.
//!
//! The text is parsed with pulldown-cmark, rewritten event by event, and printed back with
//! pulldown-cmark-to-cmark. The rewrites are what rustdoc needs:
//! - inline HTML that Asana uses (`<b>`, `<i>`, `<code>`, `<a href>`, `<br>`, ...) becomes Markdown, and any
//!   other tag-like text becomes plain text, so `rustdoc::invalid_html_tags` stays quiet;
//! - every code block becomes a `text` block, because rustdoc would compile untagged blocks as doctests;
//! - relative links (`/reference/events`) point at Asana's developer site;
//! - bare URLs become autolinks (`rustdoc::bare_urls`), and brackets that are not links are escaped
//!   (`rustdoc::broken_intra_doc_links`).

use pulldown_cmark::{CodeBlockKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

/// Site that relative links in the spec point into.
pub const DOCS_SITE: &str = "https://developers.asana.com";

/// Converts a spec description into rustdoc Markdown (trimmed; empty input gives an empty string).
pub fn to_rustdoc(text: &str) -> String {
    let mut events = Vec::new();
    let mut html = HtmlState::default();
    let mut in_code_block = false;
    let mut link_depth = 0usize;
    let mut html_block: Option<Vec<Event<'_>>> = None;
    let mut dropped_links: Vec<usize> = Vec::new();
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    for event in Parser::new_ext(text, options) {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                in_code_block = true;
                events.push(Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(non_rust(kind)))));
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code_block = false;
                // The printer puts the closing fence right after the last text: it needs its own line.
                if matches!(events.last(), Some(Event::Text(text)) if !text.ends_with('\n')) {
                    events.push(Event::Text(CowStr::Borrowed("\n")));
                }
                events.push(Event::End(TagEnd::CodeBlock));
            }
            // rustdoc would try to resolve a target like `Foo` as an item path: such links keep their text only.
            Event::Start(Tag::Link { dest_url, .. }) if !is_url_like(&dest_url) => dropped_links.push(link_depth),
            Event::End(TagEnd::Link) if dropped_links.last() == Some(&link_depth) => {
                dropped_links.pop();
            }
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                link_depth += 1;
                events.push(Event::Start(Tag::Link { link_type, dest_url: absolute(dest_url), title, id }));
            }
            Event::End(TagEnd::Link) => {
                link_depth = link_depth.saturating_sub(1);
                events.push(Event::End(TagEnd::Link));
            }
            Event::InlineHtml(tag) if !in_code_block => html.convert(&tag, &mut events),
            // A block of HTML (lines starting with `<p>`, say) becomes a paragraph of its converted content.
            Event::Start(Tag::HtmlBlock) => html_block = Some(Vec::new()),
            Event::End(TagEnd::HtmlBlock) => {
                let inline: Vec<Event<'_>> = html_block.take().unwrap_or_default();
                let inline = trim_breaks(inline);
                if !inline.is_empty() {
                    events.push(Event::Start(Tag::Paragraph));
                    events.extend(inline);
                    events.push(Event::End(TagEnd::Paragraph));
                }
            }
            Event::Html(block) => match &mut html_block {
                Some(inline) => html.convert(&block, inline),
                None => html.convert(&block, &mut events),
            },
            Event::Text(text) if !in_code_block && html.in_code => html.code.push_str(&text),
            Event::Text(text) if !in_code_block && link_depth == 0 => push_text_with_autolinks(text, &mut events),
            other => events.push(other),
        }
    }
    let events = whitespace_outside_emphasis(events);
    let mut out = String::with_capacity(text.len() + 16);
    let format = pulldown_cmark_to_cmark::Options { code_block_token_count: 3, ..Default::default() };
    match pulldown_cmark_to_cmark::cmark_with_options(events.iter(), &mut out, options, format) {
        Ok(_) => normalize(&out),
        // The printer refuses event sequences it cannot spell losslessly; the text is then shown as is,
        // where rustdoc interprets nothing.
        Err(_) => verbatim(text),
    }
}

/// Fenced or indented, any code block becomes `text` unless it names a language that is not Rust.
fn non_rust(kind: CodeBlockKind<'_>) -> CowStr<'_> {
    match kind {
        CodeBlockKind::Fenced(info) => {
            let lang = info.split(|c: char| c == ',' || c.is_whitespace()).next().unwrap_or_default();
            if lang.is_empty() || lang == "rust" || lang.starts_with("rust") || matches!(lang, "ignore" | "no_run" | "should_panic" | "compile_fail" | "edition2021" | "edition2024") {
                CowStr::Borrowed("text")
            } else {
                CowStr::Boxed(lang.into())
            }
        }
        CodeBlockKind::Indented => CowStr::Borrowed("text"),
    }
}

fn is_url_like(dest: &str) -> bool {
    dest.contains(':') || dest.starts_with('/') || dest.starts_with('#')
}

fn absolute(dest: CowStr<'_>) -> CowStr<'_> {
    if dest.starts_with('/') && !dest.starts_with("//") {
        CowStr::Boxed(format!("{DOCS_SITE}{dest}").into())
    } else {
        dest
    }
}

/// Line breaks that HTML tags such as `<p>` left at the edges of a block.
fn trim_breaks(mut events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    while matches!(events.last(), Some(Event::SoftBreak | Event::HardBreak)) {
        events.pop();
    }
    let leading = events.iter().take_while(|e| matches!(e, Event::SoftBreak | Event::HardBreak)).count();
    events.drain(..leading);
    events
}

/// `**x **` is not emphasis in Markdown: spaces that HTML put inside `<b>`/`<i>` move outside.
fn whitespace_outside_emphasis(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut out: Vec<Event<'_>> = Vec::with_capacity(events.len());
    let mut iter = events.into_iter().peekable();
    while let Some(event) = iter.next() {
        match event {
            Event::Start(tag @ (Tag::Strong | Tag::Emphasis)) => {
                if let Some(Event::Text(text)) = iter.peek() {
                    let trimmed = text.trim_start();
                    if trimmed.len() != text.len() {
                        out.push(Event::Text(CowStr::Borrowed(" ")));
                        let trimmed: CowStr<'_> = CowStr::Boxed(trimmed.into());
                        iter.next();
                        out.push(Event::Start(tag));
                        if !trimmed.is_empty() {
                            out.push(Event::Text(trimmed));
                        }
                        continue;
                    }
                }
                out.push(Event::Start(tag));
            }
            Event::End(end @ (TagEnd::Strong | TagEnd::Emphasis)) => {
                let mut moved = false;
                if let Some(Event::Text(text)) = out.last_mut() {
                    let trimmed = text.trim_end();
                    if trimmed.len() != text.len() {
                        *text = CowStr::Boxed(trimmed.into());
                        moved = true;
                    }
                }
                out.push(Event::End(end));
                if moved {
                    out.push(Event::Text(CowStr::Borrowed(" ")));
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Splits text around `http(s)://` URLs and turns each URL into an autolink.
fn push_text_with_autolinks<'a>(text: CowStr<'a>, events: &mut Vec<Event<'a>>) {
    let mut rest: &str = &text;
    let mut pieces: Vec<Event<'a>> = Vec::new();
    while let Some(start) = rest.find("https://").or_else(|| rest.find("http://")) {
        let url_len = rest[start..].find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | ')' | ']')).unwrap_or(rest.len() - start);
        let mut url = &rest[start..start + url_len];
        url = url.trim_end_matches(['.', ',', ';', ':', '!', '?']);
        if url.len() <= "https://".len() {
            pieces.push(Event::Text(CowStr::Boxed(rest[..start + url_len].into())));
            rest = &rest[start + url_len..];
            continue;
        }
        if start > 0 {
            pieces.push(Event::Text(CowStr::Boxed(rest[..start].into())));
        }
        let dest: CowStr<'a> = CowStr::Boxed(url.into());
        pieces.push(Event::Start(Tag::Link { link_type: LinkType::Autolink, dest_url: dest.clone(), title: CowStr::Borrowed(""), id: CowStr::Borrowed("") }));
        pieces.push(Event::Text(dest));
        pieces.push(Event::End(TagEnd::Link));
        rest = &rest[start + url.len()..];
    }
    if pieces.is_empty() {
        events.push(Event::Text(text));
        return;
    }
    if !rest.is_empty() {
        pieces.push(Event::Text(CowStr::Boxed(rest.into())));
    }
    events.extend(pieces);
}

/// Tracks inline HTML that spans several events (`<code>x</code>` arrives as tag, text, tag).
#[derive(Default)]
struct HtmlState {
    in_code: bool,
    code: String,
    /// Closing events for open `<b>`, `<i>` and `<a>` tags, innermost last.
    open: Vec<(String, TagEnd)>,
}

impl HtmlState {
    fn convert<'a>(&mut self, html: &str, events: &mut Vec<Event<'a>>) {
        let mut rest = html;
        while let Some(start) = rest.find('<') {
            if start > 0 {
                self.text(&rest[..start], events);
            }
            let Some(length) = rest[start..].find('>') else {
                self.text(&rest[start..], events);
                return;
            };
            self.tag(&rest[start + 1..start + length], events);
            rest = &rest[start + length + 1..];
        }
        if !rest.is_empty() {
            self.text(rest, events);
        }
    }

    fn text<'a>(&mut self, text: &str, events: &mut Vec<Event<'a>>) {
        let text = decode_entities(text.trim_matches('\n'));
        if self.in_code {
            self.code.push_str(&text);
        } else if !text.trim().is_empty() {
            events.push(Event::Text(CowStr::Boxed(text.into())));
        }
    }

    fn tag<'a>(&mut self, inside: &str, events: &mut Vec<Event<'a>>) {
        let closing = inside.starts_with('/');
        let inside = inside.trim_start_matches('/').trim_end_matches('/');
        let name = inside.split(|c: char| c.is_whitespace()).next().unwrap_or_default().to_ascii_lowercase();
        match (name.as_str(), closing) {
            ("code" | "tt", false) => {
                self.in_code = true;
                self.code.clear();
            }
            ("code" | "tt", true) => {
                if self.in_code {
                    self.in_code = false;
                    events.push(Event::Code(CowStr::Boxed(std::mem::take(&mut self.code).into())));
                }
            }
            ("b" | "strong", false) => self.open(&name, Tag::Strong, TagEnd::Strong, events),
            ("i" | "em", false) => self.open(&name, Tag::Emphasis, TagEnd::Emphasis, events),
            ("a", false) => {
                let href = attribute(inside, "href").unwrap_or_default();
                let tag = Tag::Link { link_type: LinkType::Inline, dest_url: absolute(CowStr::Boxed(href.into())), title: CowStr::Borrowed(""), id: CowStr::Borrowed("") };
                self.open("a", tag, TagEnd::Link, events);
            }
            ("b" | "strong" | "i" | "em" | "a", true) => {
                if let Some(position) = self.open.iter().rposition(|(open, _)| match open.as_str() {
                    "b" | "strong" => matches!(name.as_str(), "b" | "strong"),
                    "i" | "em" => matches!(name.as_str(), "i" | "em"),
                    other => other == name,
                }) {
                    for (_, end) in self.open.drain(position..).rev() {
                        events.push(Event::End(end));
                    }
                }
            }
            ("br", _) => events.push(Event::HardBreak),
            ("p" | "ul" | "ol" | "li" | "div", _) => events.push(Event::SoftBreak),
            _ => events.push(Event::Text(CowStr::Boxed(format!("<{}{inside}>", if closing { "/" } else { "" }).into()))),
        }
    }

    fn open<'a>(&mut self, name: &str, tag: Tag<'a>, end: TagEnd, events: &mut Vec<Event<'a>>) {
        events.push(Event::Start(tag));
        self.open.push((name.to_owned(), end));
    }
}

fn attribute<'t>(tag: &'t str, name: &str) -> Option<&'t str> {
    let at = tag.find(&format!("{name}="))? + name.len() + 1;
    let value = &tag[at..];
    let quote = value.chars().next()?;
    if quote == '"' || quote == '\'' {
        value[1..].split(quote).next()
    } else {
        value.split(|c: char| c.is_whitespace()).next()
    }
}

fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#x27;", "'").replace("&#39;", "'").replace("&nbsp;", " ").replace("&amp;", "&")
}

/// Trailing spaces trimmed, runs of blank lines collapsed, the whole trimmed.
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line);
    }
    out
}

/// A `text` code block holding `text` unchanged.
fn verbatim(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}text\n{}\n{fence}", text.trim())
}

/// Inline code for a literal, with a fence longer than any run of backticks inside it.
pub fn code_span(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_html_becomes_markdown() {
        assert_eq!(to_rustdoc("<b>Required scope: </b><code>webhooks:read</code>"), "**Required scope:** `webhooks:read`");
        assert_eq!(to_rustdoc("a <i>b</i> <em>c</em> <strong>d</strong>"), "a *b* *c* **d**");
        // A hard break's trailing spaces are trimmed away with all others: `<br>` ends the line.
        assert_eq!(to_rustdoc("one<br>two"), "one\ntwo");
    }

    #[test]
    fn html_links_and_relative_links_point_at_the_docs_site() {
        assert_eq!(to_rustdoc("see <a href=\"/reference/events\">events</a>"), "see [events](https://developers.asana.com/reference/events)");
        assert_eq!(to_rustdoc("see [events](/reference/events)"), "see [events](https://developers.asana.com/reference/events)");
        assert_eq!(to_rustdoc("see [x](https://a.example/b) and [y](#top)"), "see [x](https://a.example/b) and [y](#top)");
    }

    #[test]
    fn links_rustdoc_would_resolve_as_paths_keep_only_their_text() {
        assert_eq!(to_rustdoc("see [the docs](getevents)"), "see the docs");
    }

    #[test]
    fn every_code_block_is_text() {
        assert_eq!(to_rustdoc("```\nlet x = 1;\n```"), "```text\nlet x = 1;\n```");
        assert_eq!(to_rustdoc("```rust\nfn f() {}\n```"), "```text\nfn f() {}\n```");
        assert_eq!(to_rustdoc("```json\n{}\n```"), "```json\n{}\n```");
        assert_eq!(to_rustdoc("para\n\n    indented code"), "para\n\n```text\nindented code\n```");
    }

    #[test]
    fn code_blocks_are_verbatim() {
        assert_eq!(to_rustdoc("```\n<b>[x](/y) https://z\n```"), "```text\n<b>[x](/y) https://z\n```");
    }

    #[test]
    fn bare_urls_become_autolinks() {
        assert_eq!(to_rustdoc("go to https://example.com/x."), "go to <https://example.com/x>.");
        assert_eq!(to_rustdoc("`https://in.code`"), "`https://in.code`");
    }

    #[test]
    fn brackets_and_tag_like_text_are_escaped() {
        assert_eq!(to_rustdoc("values [a] and Vec<String>"), "values \\[a\\] and Vec\\<String>");
        assert_eq!(to_rustdoc("a <PARAM_1> b"), "a \\<PARAM_1> b");
    }

    #[test]
    fn html_blocks_become_paragraphs() {
        let text = "<p><strong style={{ color: \"#4573D2\" }}>Full object requires scope: </strong><code>tasks:read</code></p>\n\nThe task.";
        assert_eq!(to_rustdoc(text), "**Full object requires scope:** `tasks:read`\n\nThe task.");
    }

    #[test]
    fn list_continuation_lines_are_indented() {
        let text = "* first item\ncontinues here\n* second";
        assert_eq!(to_rustdoc(text), "* first item\n  continues here\n* second");
    }

    #[test]
    fn entities_are_decoded_in_html() {
        assert_eq!(to_rustdoc("<b>a &amp; b</b>"), "**a & b**".replace('&', "&amp;"));
    }

    #[test]
    fn blank_lines_collapse_and_the_result_is_trimmed() {
        assert_eq!(to_rustdoc("\n\n a  \n\n\n\nb \n\n"), "a\n\nb");
        assert_eq!(to_rustdoc(""), "");
    }

    #[test]
    fn code_span_picks_a_fence_longer_than_any_backtick_run() {
        assert_eq!(code_span("resource.name"), "`resource.name`");
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x"), "`` `x ``");
    }

    #[test]
    fn arbitrary_input_never_panics() {
        const ALPHABET: &[&str] = &["<", ">", "`", "[", "]", "(", ")", "/", "&", ";", "*", "\n", " ", "é", "<b>", "</b>", "<code>", "</code>", "```", "    ", "- ", "<a href=\"/x\">", "</a>", "https://x.y", "<p>", "#", "|", "_", "\\"];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..10_000 {
            let mut text = String::new();
            for _ in 0..(state % 40) {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                text.push_str(ALPHABET[(state >> 33) as usize % ALPHABET.len()]);
            }
            let _ = to_rustdoc(&text);
        }
    }
}
