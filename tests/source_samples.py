"""Small inputs of every source kind, shared by the source tests."""

LISTING = """\
1. Cooperatives
Listing news one
10 January 2023
A summary of the first listing item.

2. Events
Listing news two
12 January 2023
"""

HTML_PAGE = """\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>News</title></head>
<body>
<nav><ul><li><a href="/">Home</a></li></ul></nav>
<main>
  <article class="news">
    <h2><a href="/news/2023/html-one.html">HTML news one &amp; more</a></h2>
    <time class="date" datetime="2023-01-14">14 Jan 2023</time>
    <div class="teaser"><p>First paragraph.</p><p>Second <b>paragraph</b>.</p></div>
  </article>
  <article class="news">
    <h2>HTML news two</h2>
    <span class="date">16 January 2023</span>
    <a class="more" href="two.html?utm=x">Read more</a>
  </article>
  <article class="news">
    <h2>Undated HTML news</h2>
  </article>
</main>
</body></html>
"""

HTML_SELECTORS = {"item": "article.news", "title": "h2", "date": ".date", "summary": ".teaser", "link": "a"}

RSS2 = """\
<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
  <channel>
    <title>Partner news</title>
    <link>https://partner.example.net/</link>
    <description>News</description>
    <item>
      <title>RSS news one</title>
      <link>https://partner.example.net/one</link>
      <guid isPermaLink="false">partner-1</guid>
      <pubDate>Wed, 18 Jan 2023 23:30:00 -0500</pubDate>
      <category>Partners</category>
      <description>&lt;p&gt;Hello &lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;world&lt;/b&gt;&lt;/p&gt;&lt;img src=x onerror=alert(2)&gt;</description>
    </item>
    <item>
      <title>RSS news two</title>
      <link>/two</link>
      <pubDate>Thu, 19 Jan 2023 10:00:00 GMT</pubDate>
    </item>
    <item>
      <title>RSS news undated</title>
      <link>https://partner.example.net/three</link>
    </item>
  </channel>
</rss>
"""

RSS1 = """\
<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example.net/">
    <title>RDF news</title><link>https://rdf.example.net/</link><description>x</description>
  </channel>
  <item rdf:about="https://rdf.example.net/a">
    <title>RDF item</title><link>https://rdf.example.net/a</link>
    <dc:date>2023-01-05T09:00:00+01:00</dc:date>
    <description>RDF summary</description>
  </item>
</rdf:RDF>
"""

RSS091 = """\
<?xml version="1.0"?>
<rss version="0.91"><channel><title>Old</title><link>https://old.example.net/</link>
<description>x</description><language>en</language>
<item><title>Old item</title><link>https://old.example.net/1</link><description>Old summary</description>
<pubDate>Fri, 06 Jan 2023 08:00:00 GMT</pubDate></item>
</channel></rss>
"""

ATOM = """\
<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Atom news</title>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2023-01-20T12:00:00Z</updated>
  <link href="https://atom.example.net/"/>
  <entry>
    <title type="html">Atom &lt;em&gt;news&lt;/em&gt; one</title>
    <id>tag:atom.example.net,2023:1</id>
    <link href="https://atom.example.net/1"/>
    <updated>2023-01-20T12:00:00Z</updated>
    <published>2023-01-20T08:00:00+02:00</published>
    <summary type="html">&lt;p&gt;Atom summary&lt;/p&gt;</summary>
    <category term="Atoms"/>
  </entry>
  <entry>
    <title>Atom news two</title>
    <link href="https://atom.example.net/2"/>
    <updated>2023-01-21T12:00:00Z</updated>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Content <a href="/x">link</a></p></div></content>
  </entry>
</feed>
"""

JSON_FEED = """\
{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "JSON news",
  "home_page_url": "https://json.example.net/",
  "items": [
    {
      "id": "j1",
      "url": "https://json.example.net/1",
      "title": "JSON news one",
      "content_html": "<p>JSON <i>summary</i></p><script>bad()</script>",
      "date_published": "2023-01-22T10:00:00+01:00",
      "tags": ["JSON"]
    },
    {
      "id": 2,
      "url": "/2",
      "content_text": "A title-less JSON post, as microblogs write them.",
      "date_published": "2023-01-23T10:00:00Z"
    },
    {
      "id": "j3",
      "title": "JSON undated"
    }
  ]
}
"""

ITEMS_TOML = """\
# hand-curated news
[[items]]
title = "TOML item one"
date = 2023-01-24
category = "Curated"
summary = "From the TOML file."
url = "https://curated.example.net/1"

[[items]]
title = "TOML item without date"

[[items]]
title = "TOML item two"
date = "2023-01-25"
colour = "red"
"""

ITEMS_JSON = """\
[
  {"title": "JSON item one", "date": "2023-01-26", "summary": "From JSON."},
  {"title": "JSON item bad date", "date": "31 February 2023"},
  {"title": "JSON item two", "date": "27 January 2023", "url": "not a url"}
]
"""

ITEMS_CSV = """\
title,date,category,summary,url
CSV item one,2023-01-28,Curated,"A summary, with a comma",https://curated.example.net/csv1
CSV item no date,,,,
"CSV item
two",2023-01-29,,,
"""
