//! quill's layering and the absence of import circles, read from `src/` itself (docs/architecture.md
//! says why the rules are these). A failure names the file, the line and the import to move.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What each top-level module may import besides itself. `main.rs` (a crate of its own, which
/// may use everything) and `lib.rs` (which only declares the modules) are not listed.
const LAYERS: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("settings", &[]),
    ("progress", &[]),
    ("telemetry", &["settings"]),
    ("transport", &["settings"]),
    ("auth", &["settings"]),
    ("storage", &["domain", "auth", "settings"]),
    ("http", &["domain", "auth", "storage", "settings"]),
    ("web", &["http", "domain", "auth", "storage", "settings"]),
    (
        "seed",
        &["domain", "auth", "storage", "settings", "progress"],
    ),
    ("transfer", &["storage", "settings", "progress"]),
    ("cli", &["storage", "settings", "seed"]),
    (
        "startup",
        &[
            "http",
            "web",
            "auth",
            "storage",
            "settings",
            "telemetry",
            "transport",
        ],
    ),
];

#[test]
fn every_layer_imports_only_the_layers_below_it() {
    let crate_ = Crate::read();
    let allowed: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();
    let mut wrong = Vec::new();
    for import in &crate_.imports {
        let (from, to) = (crate_.layer(import.from), crate_.layer(import.to));
        if from == to || from.is_empty() {
            continue;
        }
        match allowed.get(from) {
            None => wrong.push(format!(
                "{}: the module `{from}` has no entry in LAYERS (tests/api/architecture.rs); \
                 give it one and document it in docs/architecture.md",
                crate_.path(import.from)
            )),
            Some(may) if !may.contains(&to) => wrong.push(format!(
                "{}:{} imports `{}` from `{to}`, but `{from}` may import only: {}",
                crate_.path(import.from),
                import.line,
                import.text,
                if may.is_empty() {
                    "nothing".to_string()
                } else {
                    may.join(", ")
                }
            )),
            Some(_) => {}
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layering (docs/architecture.md):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_file_imports_itself_through_others() {
    let crate_ = Crate::read();
    let circles = crate_.circles();
    let described: Vec<String> = circles
        .iter()
        .map(|files| {
            let edges: Vec<String> = crate_
                .imports
                .iter()
                .filter(|i| files.contains(&i.from) && files.contains(&i.to))
                .filter(|i| !crate_.declares(i.from, i.to))
                .map(|i| {
                    format!(
                        "  {}:{} imports `{}` ({})",
                        crate_.path(i.from),
                        i.line,
                        i.text,
                        crate_.path(i.to)
                    )
                })
                .collect();
            format!(
                "import circle between {} files:\n{}",
                files.len(),
                edges.join("\n")
            )
        })
        .collect();
    assert!(
        described.is_empty(),
        "move what these files share into a module of its own (docs/architecture.md):\n{}",
        described.join("\n")
    );
}

/// The check must see the imports it judges: a sample of known ones.
#[test]
fn the_import_reader_finds_each_form_of_path() {
    let crate_ = Crate::read();
    let has = |from: &str, to: &str| {
        crate_
            .imports
            .iter()
            .any(|i| crate_.path(i.from).ends_with(from) && crate_.path(i.to).ends_with(to))
    };
    // `use super::{..., module}` in a group, `crate::` in an expression, a child used by its root.
    assert!(has("src/storage/claps.rs", "src/storage/changes.rs"));
    assert!(has("src/storage/uploads.rs", "src/domain/mod.rs"));
    assert!(has("src/http/mod.rs", "src/http/users.rs"));
}

/// One edge of the file graph: `from` names something in `to` on `line`.
struct Import {
    from: usize,
    to: usize,
    line: usize,
    text: String,
}

struct Crate {
    root: PathBuf,
    /// Each file and the module path it defines (`["storage", "claps"]`).
    files: Vec<(PathBuf, Vec<String>)>,
    imports: Vec<Import>,
}

impl Crate {
    fn read() -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut paths = Vec::new();
        collect(&root, &mut paths);
        paths.sort();
        let files: Vec<(PathBuf, Vec<String>)> = paths
            .into_iter()
            .filter(|p| p.file_name().is_some_and(|n| n != "main.rs"))
            .map(|p| {
                let module = module_of(p.strip_prefix(&root).unwrap());
                (p, module)
            })
            .collect();
        let mut crate_ = Crate {
            root,
            files,
            imports: Vec::new(),
        };
        for from in 0..crate_.files.len() {
            let source = std::fs::read_to_string(&crate_.files[from].0).unwrap();
            for (line, path) in paths_in(&source, &crate_.files[from].1, &crate_.children(from)) {
                if let Some(to) = crate_.file_of(&path)
                    && to != from
                {
                    crate_.imports.push(Import {
                        from,
                        to,
                        line,
                        text: format!("crate::{}", path.join("::")),
                    });
                }
            }
        }
        crate_
    }

    fn path(&self, file: usize) -> String {
        let relative = self.files[file].0.strip_prefix(&self.root).unwrap();
        format!("src/{}", relative.display())
    }

    fn layer(&self, file: usize) -> &str {
        self.files[file].1.first().map_or("", String::as_str)
    }

    /// The file that defines the longest prefix of `path`.
    fn file_of(&self, path: &[String]) -> Option<usize> {
        (0..=path.len())
            .rev()
            .find_map(|n| self.files.iter().position(|(_, m)| m[..] == path[..n]))
    }

    /// The names of the modules declared by `file`, each a file of its own.
    fn children(&self, file: usize) -> BTreeSet<String> {
        let parent = &self.files[file].1;
        self.files
            .iter()
            .filter(|(_, m)| m.len() == parent.len() + 1 && m.starts_with(parent))
            .map(|(_, m)| m.last().unwrap().clone())
            .collect()
    }

    /// Whether `to` is a module that `from` declares: a module's root file wires its children
    /// (declares, routes, re-exports them), which is the module tree, not a dependency.
    fn declares(&self, from: usize, to: usize) -> bool {
        let (parent, child) = (&self.files[from].1, &self.files[to].1);
        child.len() == parent.len() + 1 && child.starts_with(parent)
    }

    /// The sets of files that import each other in a circle (Tarjan's strongly connected
    /// components with more than one file), leaving out a root's edges to its own children.
    fn circles(&self) -> Vec<BTreeSet<usize>> {
        let n = self.files.len();
        let mut next: Vec<Vec<usize>> = vec![Vec::new(); n];
        for i in &self.imports {
            if !self.declares(i.from, i.to) {
                next[i.from].push(i.to);
            }
        }
        let mut tarjan = Tarjan {
            next,
            index: vec![None; n],
            low: vec![0; n],
            on_stack: vec![false; n],
            stack: Vec::new(),
            counter: 0,
            found: Vec::new(),
        };
        for v in 0..n {
            if tarjan.index[v].is_none() {
                tarjan.visit(v);
            }
        }
        tarjan.found
    }
}

struct Tarjan {
    next: Vec<Vec<usize>>,
    index: Vec<Option<usize>>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    counter: usize,
    found: Vec<BTreeSet<usize>>,
}

impl Tarjan {
    fn visit(&mut self, v: usize) {
        self.index[v] = Some(self.counter);
        self.low[v] = self.counter;
        self.counter += 1;
        self.stack.push(v);
        self.on_stack[v] = true;
        for w in self.next[v].clone() {
            match self.index[w] {
                None => {
                    self.visit(w);
                    self.low[v] = self.low[v].min(self.low[w]);
                }
                Some(index) if self.on_stack[w] => self.low[v] = self.low[v].min(index),
                Some(_) => {}
            }
        }
        if Some(self.low[v]) == self.index[v] {
            let mut component = BTreeSet::new();
            loop {
                let w = self.stack.pop().unwrap();
                self.on_stack[w] = false;
                component.insert(w);
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                self.found.push(component);
            }
        }
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `lib.rs` → `[]`, `storage/mod.rs` and `settings.rs` → `[storage]`/`[settings]`, `a/b.rs` → `[a, b]`.
fn module_of(relative: &Path) -> Vec<String> {
    let mut module: Vec<String> = relative
        .with_extension("")
        .iter()
        .map(|s| s.to_str().unwrap().to_string())
        .collect();
    if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
        module.pop();
    }
    module
}

#[derive(Debug, PartialEq)]
enum Token {
    Ident(String),
    /// `::`
    Path,
    Punct(char),
}

/// The source's tokens with their lines, without comments, strings, characters and lifetimes,
/// whose text could otherwise read as a path.
fn tokens(source: &str) -> Vec<(usize, Token)> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            loop {
                if at(i) == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if at(i) == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(at(i) == '\n');
                    i += 1;
                }
            }
        } else if c == 'r'
            && (at(i + 1) == '"' || (at(i + 1) == '#' && matches!(at(i + 2), '"' | '#')))
        {
            let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
            i += 2 + hashes;
            while i < chars.len() && !(chars[i] == '"' && (1..=hashes).all(|k| at(i + k) == '#')) {
                line += usize::from(chars[i] == '\n');
                i += 1;
            }
            i += 1 + hashes;
        } else if c == '"' || (c == 'b' && at(i + 1) == '"') {
            i += if c == 'b' { 2 } else { 1 };
            while i < chars.len() && chars[i] != '"' {
                line += usize::from(chars[i] == '\n');
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == '\'' {
            // A character ('x', '\n', '\u{..}') or a lifetime ('a), which has no closing quote.
            if at(i + 1) == '\\' {
                i += 2;
                while at(i) != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1;
                while at(i).is_alphanumeric() || at(i) == '_' {
                    i += 1;
                }
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while at(i).is_alphanumeric() || at(i) == '_' {
                i += 1;
            }
            out.push((line, Token::Ident(chars[start..i].iter().collect())));
        } else if c == ':' && at(i + 1) == ':' {
            out.push((line, Token::Path));
            i += 2;
        } else {
            out.push((line, Token::Punct(c)));
            i += 1;
        }
    }
    out
}

/// Every path to a quill module that `source` names, absolute and with its line: `use` trees
/// (groups expanded) and paths in code starting with `crate`, `self`, `super` or a child module.
/// `#[cfg(test)]` modules are skipped: nothing depends on a test module, so its imports cannot
/// close a circle, and tests may reach any layer to set a case up.
fn paths_in(
    source: &str,
    module: &[String],
    children: &BTreeSet<String>,
) -> Vec<(usize, Vec<String>)> {
    let tokens = tokens(source);
    let ident = |i: usize| match tokens.get(i) {
        Some((_, Token::Ident(s))) => Some(s.as_str()),
        _ => None,
    };
    let punct = |i: usize, c: char| matches!(tokens.get(i), Some((_, Token::Punct(p))) if *p == c);
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let cfg_test = punct(i, '#')
            && punct(i + 1, '[')
            && ident(i + 2) == Some("cfg")
            && punct(i + 3, '(')
            && ident(i + 4) == Some("test")
            && punct(i + 5, ')')
            && punct(i + 6, ']');
        if cfg_test {
            // Past any further attributes, to the item the `cfg` applies to.
            let mut item = i + 7;
            while punct(item, '#') && punct(item + 1, '[') {
                item = closing(&tokens, item + 1);
            }
            if ident(item) == Some("mod") && punct(item + 2, '{') {
                i = closing(&tokens, item + 2);
                continue;
            }
        }
        let after_path = i > 0 && tokens[i - 1].1 == Token::Path;
        if ident(i) == Some("use") {
            let line = tokens[i].0;
            let mut paths = Vec::new();
            i = use_tree(&tokens, i + 1, Vec::new(), &mut paths);
            for path in paths {
                if let Some(path) = absolute(&path, module, children) {
                    found.push((line, path));
                }
            }
        } else if let Some(first) = ident(i)
            && !after_path
            && tokens.get(i + 1).is_some_and(|t| t.1 == Token::Path)
        {
            let line = tokens[i].0;
            let mut path = vec![first.to_string()];
            i += 1;
            while tokens.get(i).is_some_and(|t| t.1 == Token::Path)
                && let Some(next) = ident(i + 1)
            {
                path.push(next.to_string());
                i += 2;
            }
            if let Some(path) = absolute(&path, module, children) {
                found.push((line, path));
            }
        } else {
            i += 1;
        }
    }
    found
}

/// The index after the bracket that closes the `{` or `[` at `open`.
fn closing(tokens: &[(usize, Token)], open: usize) -> usize {
    let (opener, closer) = match tokens[open].1 {
        Token::Punct('[') => ('[', ']'),
        _ => ('{', '}'),
    };
    let mut depth = 0;
    for (i, (_, token)) in tokens.iter().enumerate().skip(open) {
        match token {
            Token::Punct(c) if *c == opener => depth += 1,
            Token::Punct(c) if *c == closer => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
    }
    tokens.len()
}

/// Reads a use tree from `i` (after `use` or inside a group), pushing each full path; answers the
/// index after it.
fn use_tree(
    tokens: &[(usize, Token)],
    mut i: usize,
    mut prefix: Vec<String>,
    out: &mut Vec<Vec<String>>,
) -> usize {
    loop {
        match tokens.get(i).map(|t| &t.1) {
            Some(Token::Ident(s)) if s == "as" => {
                i += 2;
            }
            Some(Token::Ident(s)) => {
                if s != "self" || prefix.is_empty() {
                    prefix.push(s.clone());
                }
                i += 1;
            }
            Some(Token::Path) => i += 1,
            Some(Token::Punct('{')) => {
                i += 1;
                loop {
                    i = use_tree(tokens, i, prefix.clone(), out);
                    match tokens.get(i).map(|t| &t.1) {
                        Some(Token::Punct(',')) => i += 1,
                        _ => break,
                    }
                    if matches!(tokens.get(i).map(|t| &t.1), Some(Token::Punct('}'))) {
                        break;
                    }
                }
                return i + 1;
            }
            Some(Token::Punct('*')) => {
                out.push(prefix);
                return i + 1;
            }
            _ => {
                if !prefix.is_empty() {
                    out.push(prefix);
                }
                // A top-level tree ends at its `;`.
                if matches!(tokens.get(i).map(|t| &t.1), Some(Token::Punct(';'))) {
                    return i + 1;
                }
                return i;
            }
        }
    }
}

/// `path` from the crate's root, if it names a quill module; `None` for other crates' paths.
fn absolute(
    path: &[String],
    module: &[String],
    children: &BTreeSet<String>,
) -> Option<Vec<String>> {
    let mut here = module.to_vec();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            here.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        Some("super") => {
            while rest.first().is_some_and(|s| s == "super") {
                here.pop();
                rest = &rest[1..];
            }
        }
        Some(first) if children.contains(first) => {}
        _ => return None,
    }
    here.extend(rest.iter().cloned());
    Some(here)
}
