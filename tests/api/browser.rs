//! A browser's side of the pages, without a browser: it keeps cookies, follows nothing by
//! itself, and sends forms as a page shows them (with the token the page holds, from the site's
//! own origin).

use std::collections::BTreeMap;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// A page's answer.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub html: String,
}

impl Answer {
    /// Where a redirect leads.
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_else(|| panic!("no Location in a {} answer", self.status))
    }

    /// The value of the page's first form token.
    pub fn csrf(&self) -> String {
        value_of(&self.html, "name=\"csrf\" value=\"")
            .unwrap_or_else(|| panic!("no form token on the page: {}", self.html))
    }

    /// The token of the form that posts to `action`.
    pub fn csrf_of(&self, action: &str) -> String {
        value_of(self.form(action), "name=\"csrf\" value=\"").expect("the form carries a token")
    }

    /// The markup of the form that posts to `action`.
    fn form(&self, action: &str) -> &str {
        let form = self
            .html
            .split("<form")
            .find(|form| form.contains(&format!("action=\"{action}\"")))
            .unwrap_or_else(|| panic!("no form posts to {action}: {}", self.html));
        form.split("</form>").next().unwrap_or(form)
    }

    /// The fields of the form that posts to `action` with the values a browser would send
    /// untouched: inputs (not files or buttons), text areas, and each select's chosen option.
    pub fn form_fields(&self, action: &str) -> Vec<(String, String)> {
        let form = self.form(action);
        let mut fields = Vec::new();
        for input in form.split("<input ").skip(1) {
            let tag = input.split('>').next().unwrap_or_default();
            let kind = attribute(tag, "type").unwrap_or_else(|| "text".into());
            if ["file", "submit", "button"].contains(&kind.as_str())
                || (kind == "checkbox" && !tag.contains(" checked"))
            {
                continue;
            }
            if let Some(name) = attribute(tag, "name") {
                fields.push((name, attribute(tag, "value").unwrap_or_default()));
            }
        }
        for area in form.split("<textarea ").skip(1) {
            let (tag, rest) = area.split_once('>').unwrap_or_default();
            if let Some(name) = attribute(tag, "name") {
                let text = rest.split("</textarea>").next().unwrap_or_default();
                fields.push((name, unescape(text)));
            }
        }
        for select in form.split("<select ").skip(1) {
            let (tag, rest) = select.split_once('>').unwrap_or_default();
            let options = rest.split("</select>").next().unwrap_or_default();
            let chosen = options
                .split("<option ")
                .skip(1)
                .find(|option| {
                    option
                        .split('>')
                        .next()
                        .unwrap_or_default()
                        .contains(" selected")
                })
                .or_else(|| options.split("<option ").nth(1));
            if let (Some(name), Some(option)) = (attribute(tag, "name"), chosen) {
                let value = attribute(option.split('>').next().unwrap_or_default(), "value");
                fields.push((name, value.unwrap_or_default()));
            }
        }
        fields
    }
}

/// The value of attribute `name` in a tag's markup, unescaped.
fn attribute(tag: &str, name: &str) -> Option<String> {
    tag.split(&format!(" {name}=\""))
        .nth(1)?
        .split('"')
        .next()
        .map(unescape)
}

/// Text as the browser reads it from markup that askama escaped (numeric entities).
fn unescape(html: &str) -> String {
    html.replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#38;", "&")
}

fn value_of(html: &str, after: &str) -> Option<String> {
    html.split(after)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(str::to_string)
}

pub struct Browser {
    base: String,
    client: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
}

impl Browser {
    pub fn new(base: &str) -> Self {
        Browser {
            base: base.to_string(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn answer(&mut self, response: reqwest::Response) -> Answer {
        let status = response.status();
        let headers = response.headers().clone();
        for set in headers.get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        Answer {
            status,
            headers,
            html: response.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.answer(response).await
    }

    /// Posts `fields` to `action` from `origin` (the site's own, unless a test forges one).
    pub async fn post_from(
        &mut self,
        origin: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Answer {
        let response = self
            .client
            .post(format!("{}{action}", self.base))
            .header("cookie", self.cookie_header())
            .header("origin", origin)
            .form(fields)
            .send()
            .await
            .unwrap();
        self.answer(response).await
    }

    /// Posts `fields` to `action` from the site's page at `page` (sent as `Referer`).
    pub async fn post_with_referer(
        &mut self,
        action: &str,
        fields: &[(&str, &str)],
        page: &str,
    ) -> Answer {
        let response = self
            .client
            .post(format!("{}{action}", self.base))
            .header("cookie", self.cookie_header())
            .header("origin", self.base.clone())
            .header("referer", format!("{}{page}", self.base))
            .form(fields)
            .send()
            .await
            .unwrap();
        self.answer(response).await
    }

    /// Posts `fields` to `action` as the site's own page does.
    pub async fn post(&mut self, action: &str, fields: &[(&str, &str)]) -> Answer {
        let origin = self.base.clone();
        self.post_from(&origin, action, fields).await
    }

    /// Opens `page`, then sends its form that posts to `action` as a browser would with
    /// `fields` typed in: the form's other fields as they are (its token among them).
    pub async fn submit(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Answer {
        let shown = self.get(page).await;
        assert_eq!(shown.status, StatusCode::OK, "{page}: {}", shown.html);
        let hidden = shown.form_fields(action);
        let mut all: Vec<(&str, &str)> = hidden
            .iter()
            .filter(|(name, _)| fields.iter().all(|(given, _)| given != name))
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    /// Sends the form that posts to `action` on `page` as `multipart/form-data`, as a form
    /// with a file input does: its fields as they are, `fields` typed in, and `file` (or an empty file part,
    /// as a browser sends for a file input left empty).
    pub async fn submit_with_file(
        &mut self,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
        file: Option<&[u8]>,
    ) -> Answer {
        let shown = self.get(page).await;
        assert_eq!(shown.status, StatusCode::OK, "{page}: {}", shown.html);
        let boundary = "quill-browser-boundary-5c2e";
        let mut body = Vec::new();
        let hidden = shown.form_fields(action);
        let given = fields.iter().map(|(n, v)| (n.to_string(), v.to_string()));
        let all = hidden
            .into_iter()
            .filter(|(name, _)| fields.iter().all(|(given, _)| given != name))
            .chain(given);
        for (name, value) in all {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n",
                if file.is_some() { "picture.png" } else { "" }
            )
            .as_bytes(),
        );
        body.extend_from_slice(file.unwrap_or_default());
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let response = self
            .client
            .post(format!("{}{action}", self.base))
            .header("cookie", self.cookie_header())
            .header("origin", self.base.clone())
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        self.answer(response).await
    }

    /// A new account, signed in through the sign-up form.
    pub async fn sign_up(&mut self, name: &str) -> Answer {
        let email = format!("{name}@example.com");
        let answer = self
            .submit(
                "/register",
                "/register",
                &[
                    ("username", name),
                    ("email", &email),
                    ("password", "password123"),
                ],
            )
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.html);
        answer
    }
}
