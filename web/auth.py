"""Signing in and out: the one-time link, the Mini App's initData, the session cookie."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.errors import DomainError
from web.context import COOKIE, call, client_of, state, texts_for
from web.render import render

MAX_BODY = 16 * 1024


async def _form(request: Request) -> dict[str, str]:
    """A small urlencoded body (sign-in posts carry one field)."""
    body = await request.body()
    if len(body) > MAX_BODY:
        raise DomainError("web.initdata_invalid")
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise DomainError("web.initdata_invalid") from None


def _same_origin(request: Request) -> None:
    """Refuse a cross-site post (SameSite=Lax already keeps the cookie off most of them)."""
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        host = request.headers.get("host", "")
        if origin.split("://", 1)[-1] != host:
            raise DomainError("web.denied")


def _signed_in(request: Request, user_id: int, via: str, response: Response) -> Response:
    web = state(request)
    hours = web.services.config.web.session_hours
    cookie = web.services.signin.open_session(user_id, via)
    response.set_cookie(COOKIE, cookie, max_age=int(hours * 3600), httponly=True,
                        samesite="lax", secure=web.secure_cookies, path="/")
    return response


async def signin_page(request: Request) -> Response:
    """Explain how to sign in; in the Mini App, the page's script signs in with initData."""
    web = state(request)
    return render(web.templates, "signin.html", texts_for(request), viewer=None,
                  campaign=web.services.config.campaign.name)


async def link_page(request: Request) -> Response:
    """Ask to confirm before a link is used: link scanners and previews only ever GET."""
    web = state(request)
    return render(web.templates, "link.html", texts_for(request), viewer=None,
                  token=request.path_params["token"])


async def use_link(request: Request) -> Response:
    """Redeem a one-time link and open a session."""
    web = state(request)
    web.attempts.check(client_of(request))
    _same_origin(request)  # no signing a victim in as someone else from another site
    user_id = await call(web.services.signin.redeem_link, request.path_params["token"])
    response = RedirectResponse("/", status_code=303)
    return await call(_signed_in, request, user_id, "link", response)


async def use_init_data(request: Request) -> Response:
    """Sign in from the Mini App with Telegram's signed initData."""
    web = state(request)
    web.attempts.check(client_of(request))
    _same_origin(request)
    raw = (await _form(request)).get("init_data", "")
    person = await call(web.services.signin.from_init_data, raw)
    return await call(_signed_in, request, person.user_id, "webapp",
                      JSONResponse({"next": "/"}))


async def sign_out(request: Request) -> Response:
    """End the session on the server and drop the cookie."""
    _same_origin(request)
    cookie = request.cookies.get(COOKIE)
    if cookie:
        await call(state(request).services.signin.close_session, cookie)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax",
                           secure=state(request).secure_cookies)
    return response


ROUTES = [
    Route("/signin", signin_page, methods=["GET"]),
    Route("/app", signin_page, methods=["GET"]),
    Route("/signin/{token}", link_page, methods=["GET"]),
    Route("/signin/{token}", use_link, methods=["POST"]),
    Route("/auth/webapp", use_init_data, methods=["POST"]),
    Route("/signout", sign_out, methods=["POST"]),
]
