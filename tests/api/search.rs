//! Full-text search over published articles: `GET /api/articles?q=`.

use reqwest::{StatusCode, Url};
use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{Engine, TestApp, fresh_database, settings, spawn_app, spawn_with};

engine_tests!(
    a_title_match_ranks_above_a_body_match,
    search_combines_with_filters_and_paging,
    every_word_must_match_as_a_word_start,
    tags_and_descriptions_are_searched,
    korean_words_are_found_whole_and_by_their_start,
    case_does_not_matter_in_any_script,
    words_with_combining_marks_are_found,
    hostile_queries_are_answered_not_failed,
    edits_and_deletes_show_in_search_at_once,
    drafts_and_unlisted_articles_are_never_found,
    one_letter_matches_a_whole_word_only,
    a_common_word_ranks_a_bounded_number_of_matches,
    a_long_word_finds_itself_and_the_words_it_starts,
    a_long_word_that_starts_many_words_is_answered,
);

/// `/api/articles` with `q` and then `extra` (already encoded), `q` percent-encoded.
fn search_path(q: &str, extra: &str) -> String {
    let url = Url::parse_with_params("http://quill.test/api/articles", [("q", q)]).unwrap();
    let mut path = format!("{}?{}", url.path(), url.query().unwrap());
    if !extra.is_empty() {
        path.push('&');
        path.push_str(extra);
    }
    path
}

/// Slugs found for `q` (in order) and `articlesCount`, checking that the answer is well formed.
async fn search_as(app: &TestApp, q: &str, extra: &str, token: Option<&str>) -> (Vec<String>, i64) {
    let path = search_path(q, extra);
    let (status, body) = app.get(&path, token).await;
    assert_eq!(status, StatusCode::OK, "{q:?} ({path}): {body}");
    let articles = body["articles"]
        .as_array()
        .unwrap_or_else(|| panic!("{q:?}: no articles in {body}"));
    let count = body["articlesCount"]
        .as_i64()
        .unwrap_or_else(|| panic!("{q:?}: no articlesCount in {body}"));
    let slugs = articles
        .iter()
        .map(|a| a["slug"].as_str().unwrap().to_string())
        .collect();
    (slugs, count)
}

async fn search(app: &TestApp, q: &str) -> (Vec<String>, i64) {
    search_as(app, q, "", None).await
}

/// The slugs a search finds, in order, when every match fits on the page.
async fn found(app: &TestApp, q: &str) -> Vec<String> {
    let (slugs, count) = search(app, q).await;
    assert_eq!(count, slugs.len() as i64, "{q:?}");
    slugs
}

fn sorted(mut slugs: Vec<String>) -> Vec<String> {
    slugs.sort();
    slugs
}

/// Writes an article from `fields` over a default description and body; returns its slug.
async fn write(app: &TestApp, token: &str, fields: Value) -> String {
    let mut article = json!({"description": "about it", "body": "the text", "tagList": []});
    for (k, v) in fields.as_object().unwrap() {
        article[k] = v.clone();
    }
    let (status, body) = app
        .post("/api/articles", Some(token), json!({ "article": article }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["article"]["slug"].as_str().unwrap().to_string()
}

async fn update(app: &TestApp, token: &str, slug: &str, changes: Value) -> String {
    let article = app.update_article(token, slug, changes).await;
    article["slug"].as_str().unwrap().to_string()
}

async fn a_title_match_ranks_above_a_body_match(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("naturalist").await;
    let in_title = write(
        &app,
        &token,
        json!({"title": "Wombats at home", "body": "Notes on small marsupials."}),
    )
    .await;
    for (title, body) in [
        ("Gardening tips", "Dig deep."),
        ("Cooking rice", "Boil water."),
        ("Night sky", "Look up."),
    ] {
        write(&app, &token, json!({"title": title, "body": body})).await;
    }
    let in_body = write(
        &app,
        &token,
        json!({"title": "Evening walk", "body": "We met two wombats by the road."}),
    )
    .await;
    // By date alone the body match would come first.
    let (_, newest) = app.get("/api/articles?limit=1", None).await;
    assert_eq!(newest["articles"][0]["slug"], in_body.as_str());

    for q in ["wombats", "wombat", "Wombat"] {
        assert_eq!(
            search(&app, q).await,
            (vec![in_title.clone(), in_body.clone()], 2),
            "{q}"
        );
    }
}

async fn search_combines_with_filters_and_paging(engine: Engine) {
    let app = spawn_app(engine).await;
    let ann = app.register("ann").await;
    let ben = app.register("ben").await;
    let ownership = write(
        &app,
        &ann,
        json!({"title": "Rust ownership", "tagList": ["rust"]}),
    )
    .await;
    let lifetimes = write(
        &app,
        &ann,
        json!({"title": "Rust lifetimes", "tagList": ["rust", "advanced"]}),
    )
    .await;
    let traits = write(
        &app,
        &ben,
        json!({"title": "Rust traits", "tagList": ["rust"]}),
    )
    .await;
    write(
        &app,
        &ben,
        json!({"title": "Python tips", "tagList": ["python", "advanced"]}),
    )
    .await;
    write(
        &app,
        &ann,
        json!({"title": "Cooking", "tagList": ["advanced"]}),
    )
    .await;
    let (status, _) = app
        .post(
            &format!("/api/articles/{lifetimes}/favorite"),
            Some(&ben),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let all = sorted(vec![ownership.clone(), lifetimes.clone(), traits.clone()]);
    let (slugs, count) = search(&app, "rust").await;
    assert_eq!((sorted(slugs), count), (all.clone(), 3));

    let filtered = |extra: &'static str| {
        let app = &app;
        async move { search_as(app, "rust", extra, None).await }
    };
    assert_eq!(filtered("tag=advanced").await, (vec![lifetimes.clone()], 1));
    assert_eq!(filtered("author=ben").await, (vec![traits.clone()], 1));
    assert_eq!(
        filtered("favorited=ben").await,
        (vec![lifetimes.clone()], 1)
    );
    assert_eq!(
        filtered("tag=rust&author=ann&favorited=ben").await,
        (vec![lifetimes.clone()], 1)
    );
    let (slugs, count) = filtered("author=ann").await;
    assert_eq!(
        (sorted(slugs), count),
        (sorted(vec![ownership.clone(), lifetimes.clone()]), 2)
    );
    assert_eq!(filtered("tag=python").await, (vec![], 0));
    assert_eq!(filtered("author=nobody").await, (vec![], 0));
    // An empty filter is no filter, beside a search as anywhere else.
    assert_eq!(filtered("tag=&author=").await.1, 3);

    // Pages of one cover every match once, and the count is always the total.
    let mut paged = Vec::new();
    for extra in ["limit=1", "limit=1&offset=1", "limit=1&offset=2"] {
        let (slugs, count) = filtered(extra).await;
        assert_eq!((slugs.len(), count), (1, 3), "{extra}");
        paged.extend(slugs);
    }
    assert_eq!(sorted(paged.clone()), all);
    assert_eq!(filtered("limit=2&offset=1").await, (paged[1..].to_vec(), 3));
    assert_eq!(filtered("limit=2&offset=10").await, (vec![], 3));
    assert_eq!(filtered("tag=advanced&offset=1").await, (vec![], 1));

    for extra in ["limit=0", "offset=-1", "limit=x"] {
        let (status, body) = app.get(&search_path("rust", extra), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{extra}: {body}");
    }
}

async fn every_word_must_match_as_a_word_start(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("tamer").await;
    let dragons = write(
        &app,
        &token,
        json!({"title": "Training dragons", "body": "Fire and wings."}),
    )
    .await;
    let cats = write(
        &app,
        &token,
        json!({"title": "Training cats", "body": "Whiskers."}),
    )
    .await;
    let legends = write(
        &app,
        &token,
        json!({"title": "Dragons of old", "body": "Legends abound."}),
    )
    .await;

    assert_eq!(
        sorted(found(&app, "drag").await),
        sorted(vec![dragons.clone(), legends.clone()])
    );
    assert_eq!(
        sorted(found(&app, "train").await),
        sorted(vec![dragons.clone(), cats.clone()])
    );
    for q in [
        "train drag",
        "TRAINING Dragons",
        "drag train",
        "dragons fire wing",
    ] {
        assert_eq!(found(&app, q).await, [dragons.as_str()], "{q}");
    }
    assert_eq!(found(&app, "legend drag").await, [legends.as_str()]);
    for q in [
        "dragons whiskers",
        "train legend",
        "ragons",
        "dragonsx",
        "raining",
    ] {
        assert_eq!(found(&app, q).await, Vec::<String>::new(), "{q}");
    }
}

async fn tags_and_descriptions_are_searched(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("birder").await;
    let birds = write(
        &app,
        &token,
        json!({"title": "Spring", "description": "A field guide", "tagList": ["ornithology"]}),
    )
    .await;
    write(&app, &token, json!({"title": "Autumn"})).await;
    for q in ["ornith", "ornithology", "field guide", "guide spring"] {
        assert_eq!(found(&app, q).await, [birds.as_str()], "{q}");
    }
}

async fn korean_words_are_found_whole_and_by_their_start(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("hangul").await;
    let korean = write(
        &app,
        &token,
        json!({"title": "러스트로 만드는 블로그", "body": "한국어 본문입니다."}),
    )
    .await;
    let english = write(&app, &token, json!({"title": "Rust blog engine"})).await;
    let python = write(&app, &token, json!({"title": "파이썬 입문", "body": "뱀"})).await;

    for q in [
        "블로그",
        "러스트",
        "러스트로",
        "만드",
        "러스트 블로그",
        "본문",
        "블로그!",
    ] {
        assert_eq!(found(&app, q).await, [korean.as_str()], "{q}");
    }
    assert_eq!(found(&app, "파이썬").await, [python.as_str()]);
    assert_eq!(found(&app, "rust").await, [english.as_str()]);
    for q in ["스트", "로그", "러스트 파이썬", "블로그 engine"] {
        assert_eq!(found(&app, q).await, Vec::<String>::new(), "{q}");
    }
}

async fn case_does_not_matter_in_any_script(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("traveller").await;
    let istanbul = write(&app, &token, json!({"title": "İstanbul by night"})).await;
    let summer = write(&app, &token, json!({"title": "ÉTÉ INDIEN"})).await;
    let moscow = write(&app, &token, json!({"title": "Москва зимой"})).await;

    for q in ["İstanbul", "İSTANBUL", "istanbul", "İst", "ist"] {
        assert_eq!(found(&app, q).await, [istanbul.as_str()], "{q}");
    }
    for q in ["été", "Été", "ÉTÉ indien", "ét"] {
        assert_eq!(found(&app, q).await, [summer.as_str()], "{q}");
    }
    for q in ["москва", "МОСКВА", "Москва ЗИМ"] {
        assert_eq!(found(&app, q).await, [moscow.as_str()], "{q}");
    }
}

/// Combining marks are part of words: the Devanagari virama (्) sits inside `हिन्दी`.
async fn words_with_combining_marks_are_found(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("reader").await;
    let hindi = write(&app, &token, json!({"title": "हिन्दी भाषा का इतिहास"})).await;
    write(&app, &token, json!({"title": "Something else"})).await;
    for q in ["हिन्दी", "भाषा", "हिन्दी इतिहास"] {
        assert_eq!(found(&app, q).await, [hindi.as_str()], "{q}");
    }
}

async fn hostile_queries_are_answered_not_failed(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("target").await;
    let rust = write(
        &app,
        &token,
        json!({"title": "Rust and the web", "body": "Quotes, stars and parentheses.", "tagList": ["rust"]}),
    )
    .await;
    write(&app, &token, json!({"title": "Python"})).await;

    // Syntax of either engine is only a separator: the word in it still finds the article.
    let long_repeat = "rust ".repeat(400);
    for q in [
        "\"rust\"",
        "'rust'",
        "rust*",
        "*rust",
        "(rust)",
        "((rust",
        "rust))",
        "-rust",
        "^rust",
        "rust^",
        "rust:",
        "rust:*",
        "!rust",
        "rust & web",
        "rust | web",
        "rust <-> web",
        "rust AND web",
        "{rust}",
        "[rust]",
        "rust~",
        "%rust_",
        "\\rust\\",
        "\\\"rust",
        "🦀rust🔥",
        "rust\u{0}",
        "\u{202e}rust",
        "\u{200b}rust\u{200d}",
        "RUST",
        long_repeat.as_str(),
    ] {
        assert_eq!(found(&app, q).await, [rust.as_str()], "{q:?}");
    }

    // A query without a single word finds nothing (it is not an absent query).
    let long_punctuation = "(\"*".repeat(700);
    for q in [
        "\"",
        "\"\"",
        "'",
        "*",
        "***",
        "(",
        ")",
        "()",
        "((",
        "))(",
        "-",
        "^",
        ":",
        "%",
        "_",
        "%_%",
        "\\",
        "\\\\",
        "'\"",
        "!@#$%^&*()",
        "🦀🔥",
        "👩‍💻",
        "\u{0}",
        "-- ;",
        long_punctuation.as_str(),
    ] {
        assert_eq!(search(&app, q).await, (vec![], 0), "{q:?}");
    }

    // The rest must simply be answered: words that are operators elsewhere, injection
    // attempts, very long input and unusual letters.
    let long_word = "x".repeat(2000);
    let long_mixed: String = "a(b\"c*d:e-f^g'h\\i%j_k NEAR( OR ".repeat(70);
    for q in [
        "AND",
        "OR",
        "NOT",
        "NOT rust",
        "rust OR python",
        "rust NOT python",
        "NEAR(",
        "NEAR(rust web)",
        "NEAR(rust web, 2)",
        "rust NEAR python",
        "a:b",
        "title:rust",
        "body:python",
        "-x",
        "x -y",
        "rust^2",
        "^",
        "'); DROP TABLE articles;--",
        "\"; DROP TABLE articles; --",
        "rust' OR '1'='1",
        "rust\" OR \"1\"=\"1",
        "\\'",
        "50%",
        "a_b",
        "C:\\path\\file",
        long_word.as_str(),
        long_mixed.as_str(),
        "²",
        "x²",
        "ⓐ",
        "Ⅻ",
        "٣",
        "İstanbul",
        "ǅ",
        "e\u{301}",
        "\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}",
        "ǅǅǅǅǅǅ",
        "İİİİİİ",
        "ﬁne",
        "ß",
        "ＲＵＳＴ",
        "𝔯𝔲𝔰𝔱",
        "हिन्दी",
        "ภาษาไทย",
        "日本語",
        "مرحبا",
        "1e5",
        "0x1F",
        "null",
        "undefined",
    ] {
        let (slugs, count) = search(&app, q).await;
        assert_eq!(count, slugs.len() as i64, "{q:?}");
    }
    assert_eq!(
        search(&app, "rust' OR '1'='1").await,
        (vec![], 0),
        "quotes cannot widen a search"
    );

    // Nothing was dropped, and a wordless query still checks its paging.
    assert_eq!(app.get("/api/articles", None).await.1["articlesCount"], 2);
    for q in ["***", "rust"] {
        let (status, body) = app.get(&search_path(q, "limit=0"), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {body}");
    }
}

async fn edits_and_deletes_show_in_search_at_once(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("geologist").await;
    let slug = write(
        &app,
        &token,
        json!({"title": "Ancient volcanoes", "body": "Lava everywhere.", "tagList": ["geology"]}),
    )
    .await;
    assert_eq!(found(&app, "volcano").await, [slug.as_str()]);

    let slug = update(&app, &token, &slug, json!({"title": "Modern glaciers"})).await;
    assert_eq!(found(&app, "volcano").await, Vec::<String>::new());
    assert_eq!(found(&app, "glacier").await, [slug.as_str()]);
    assert_eq!(found(&app, "lava").await, [slug.as_str()]);

    update(&app, &token, &slug, json!({"body": "Ice everywhere."})).await;
    assert_eq!(found(&app, "lava").await, Vec::<String>::new());
    assert_eq!(found(&app, "ice glacier").await, [slug.as_str()]);

    update(&app, &token, &slug, json!({"tagList": ["climate"]})).await;
    assert_eq!(found(&app, "geology").await, Vec::<String>::new());
    assert_eq!(found(&app, "climate").await, [slug.as_str()]);

    update(&app, &token, &slug, json!({"description": "Cold facts"})).await;
    assert_eq!(found(&app, "cold").await, [slug.as_str()]);

    let (status, _) = app
        .delete(&format!("/api/articles/{slug}"), Some(&token))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for q in ["glacier", "ice", "climate", "cold"] {
        assert_eq!(found(&app, q).await, Vec::<String>::new(), "{q}");
    }

    // Withdrawing an article takes it out of search at once; publishing brings it back.
    let lagoons = write(&app, &token, json!({"title": "Secret lagoons"})).await;
    assert_eq!(found(&app, "lagoon").await, [lagoons.as_str()]);
    let draft = update(&app, &token, &lagoons, json!({"status": "draft"})).await;
    assert_eq!(found(&app, "lagoon").await, Vec::<String>::new());
    assert_eq!(
        search_as(&app, "lagoon", "", Some(&token)).await,
        (vec![], 0)
    );
    let lagoons = update(&app, &token, &draft, json!({"status": "published"})).await;
    assert_eq!(found(&app, "lagoon").await, [lagoons.as_str()]);
    update(&app, &token, &lagoons, json!({"status": "unlisted"})).await;
    assert_eq!(found(&app, "lagoon").await, Vec::<String>::new());
}

async fn drafts_and_unlisted_articles_are_never_found(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("hider").await;
    write(
        &app,
        &token,
        json!({"title": "Draft treasure", "status": "draft", "tagList": ["gold"]}),
    )
    .await;
    write(
        &app,
        &token,
        json!({"title": "Unlisted treasure", "status": "unlisted", "tagList": ["gold"]}),
    )
    .await;
    let public = write(
        &app,
        &token,
        json!({"title": "Public treasure", "tagList": ["gold"]}),
    )
    .await;

    for viewer in [None, Some(token.as_str())] {
        for (q, extra) in [
            ("treasure", ""),
            ("gold", ""),
            ("treasure", "author=hider"),
            ("treasure", "tag=gold"),
        ] {
            assert_eq!(
                search_as(&app, q, extra, viewer).await,
                (vec![public.clone()], 1),
                "{q} {extra}"
            );
        }
        for q in ["draft", "unlisted"] {
            assert_eq!(search_as(&app, q, "", viewer).await, (vec![], 0), "{q}");
        }
    }
}

/// A single letter as a prefix would be the start of most words of a language, and looking them
/// all up costs as much as the index holds: it matches the word itself.
async fn one_letter_matches_a_whole_word_only(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("grocer").await;
    let plan = write(&app, &token, json!({"title": "A plan for B"})).await;
    write(&app, &token, json!({"title": "Apples and bananas"})).await;
    assert_eq!(found(&app, "a").await, [plan.as_str()]);
    assert_eq!(found(&app, "B").await, [plan.as_str()]);
    assert_eq!(found(&app, "ap").await.len(), 1);
}

/// However many articles share a word, a search ranks at most 200 of them and counts those: its
/// cost does not grow with the site. A title match among them still comes first (one is written
/// first and one last, so that whichever 200 an engine takes hold one). On PostgreSQL the same
/// holds once its statistics call the word common, when the search looks among the newest
/// articles instead of asking the index.
async fn a_common_word_ranks_a_bounded_number_of_matches(engine: Engine) {
    let url = fresh_database(engine).await;
    let app = spawn_with(settings(&url, &[])).await;
    app.wait_ready().await;
    let token = app.register("prolific").await;
    let mut titled = vec![
        write(
            &app,
            &token,
            json!({"title": "Common ground", "body": "Words."}),
        )
        .await,
    ];
    for n in 0..210 {
        write(
            &app,
            &token,
            json!({"title": format!("Note {n}"), "body": "A common word."}),
        )
        .await;
    }
    titled.push(
        write(
            &app,
            &token,
            json!({"title": "Common sense", "body": "Words."}),
        )
        .await,
    );
    let db = quill::storage::Db::connect_lazy(&settings(&url, &[]).database).unwrap();
    for analyzed in [false, true] {
        if analyzed {
            sqlx::query("ANALYZE").execute(db.pool()).await.unwrap();
        }
        let (slugs, count) = search_as(&app, "common", "limit=100", None).await;
        assert_eq!((slugs.len(), count), (100, 200), "analyzed: {analyzed}");
        assert!(
            titled.contains(&slugs[0]),
            "analyzed: {analyzed}: {slugs:?}"
        );
        let (slugs, count) = search_as(&app, "common", "offset=190", None).await;
        assert_eq!((slugs.len(), count), (10, 200), "analyzed: {analyzed}");
    }
    db.close().await;
}

/// A word of five letters or more finds the word itself and the words it starts, typed in any
/// case, in any script, and words that edits bring in at once.
async fn a_long_word_finds_itself_and_the_words_it_starts(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("librarian").await;
    let information = write(&app, &token, json!({"title": "Information theory"})).await;
    let informal = write(&app, &token, json!({"title": "An informal talk"})).await;
    let inform = write(
        &app,
        &token,
        json!({"title": "Notes", "body": "We inform our readers."}),
    )
    .await;
    let resume = write(&app, &token, json!({"title": "Résumé writing"})).await;
    let korean = write(&app, &token, json!({"title": "데이터베이스를 배우다"})).await;
    write(&app, &token, json!({"title": "Infrared light"})).await;

    assert_eq!(
        sorted(found(&app, "inform").await),
        sorted(vec![information.clone(), informal.clone(), inform.clone()])
    );
    for q in ["INFORMA", "informa", "Informa theory"] {
        let expected = if q.contains("theory") {
            vec![information.clone()]
        } else {
            sorted(vec![information.clone(), informal.clone()])
        };
        assert_eq!(sorted(found(&app, q).await), expected, "{q}");
    }
    assert_eq!(found(&app, "information").await, [information.as_str()]);
    assert_eq!(found(&app, "informal talk").await, [informal.as_str()]);
    for q in ["informationx", "nformation", "informed"] {
        assert_eq!(found(&app, q).await, Vec::<String>::new(), "{q}");
    }
    for q in ["Résumé", "résum", "RÉSUM"] {
        assert_eq!(found(&app, q).await, [resume.as_str()], "{q}");
    }
    for q in ["데이터베이스", "데이터베이스를"] {
        assert_eq!(found(&app, q).await, [korean.as_str()], "{q}");
    }

    let inform = update(
        &app,
        &token,
        &inform,
        json!({"body": "Volcanologists inform our readers."}),
    )
    .await;
    assert_eq!(found(&app, "volcano").await, [inform.as_str()]);
    assert_eq!(found(&app, "volcanolog").await, [inform.as_str()]);
}

/// A long word that starts very many words is answered from a bounded number of them (the first
/// in the index's order): the word itself is always found, and so is each of its completions
/// typed in full.
async fn a_long_word_that_starts_many_words_is_answered(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("lexicographer").await;
    let completions: Vec<String> = (0..40).map(|n| format!("zephyr{n:02}")).collect();
    let mut slugs = Vec::new();
    for (title, body) in [
        ("Winds", completions.join(" ")),
        ("The last wind", "zephyrzz".to_string()),
        ("Zephyr", "A gentle wind.".to_string()),
    ] {
        slugs.push(write(&app, &token, json!({"title": title, "body": body})).await);
    }
    let [many, last, itself] = <[String; 3]>::try_from(slugs).unwrap();

    let (slugs, count) = search(&app, "zephyr").await;
    assert_eq!(count, slugs.len() as i64);
    assert!(slugs.contains(&itself), "{slugs:?}");
    assert!(slugs.contains(&many), "{slugs:?}");
    assert_eq!(found(&app, "zephyrzz").await, [last.as_str()]);
    assert_eq!(found(&app, "zephyr39 wind").await, [many.as_str()]);
    assert_eq!(found(&app, "zephyr gentle").await, [itself.as_str()]);
}
