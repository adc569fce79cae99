from flask import abort

from tests.conftest import add_user, log_in, make_app


def test_healthz_answers_ok_when_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_answers_503_when_database_is_unreachable(tmp_path):
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/x.db")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


def test_404_page_is_friendly(client):
    response = client.get("/no/such/page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page not found" in html
    assert "Traceback" not in html


def test_500_page_never_shows_the_error(app, client):
    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("secret internal detail")

    @app.route("/forbidden")
    def forbidden() -> str:
        abort(403)

    response = client.get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in html
    assert "secret internal detail" not in html
    assert "Traceback" not in html
    assert client.get("/forbidden").status_code == 403


def test_base_template_has_landmarks_and_skip_link(app, client):
    add_user(app, "ceo@example.com")
    log_in(client, "ceo@example.com")
    html = client.get("/").get_data(as_text=True)
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert '<nav aria-label="Main">' in html
    assert '<html lang="en">' in html
    assert "https://" not in html.split("<body>")[0]  # no CDN assets in <head>
