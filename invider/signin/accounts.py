"""One person, one player: the account link, and the name and team taken from the claims."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from invider.hunt.discretion import is_discreet
from invider.hunt.names import clean_display_name, generated_name, name_key
from invider.hunt.wordlist import check_allowed
from invider.signin import settings
from invider.store.database import begin_write
from invider.store.models import Account, Hunt, Player, db

#: Tries at a free name before falling back to a generated invader name.
NAME_TRIES = 20


def account_of(player: Player | None) -> Account | None:
    """Return the company account linked to ``player``, if it signed in that way."""
    if player is None:
        return None
    return db.session.execute(
        db.select(Account).filter_by(player_id=player.id)
    ).scalar_one_or_none()


def find_account(claims: dict) -> Account | None:
    """Return the link of the person these claims name (issuer + keyed subject hash)."""
    issuer = settings.issuer()
    return db.session.execute(
        db.select(Account).filter_by(
            issuer=issuer, subject_hash=settings.subject_hash(issuer, claims["sub"])
        )
    ).scalar_one_or_none()


def directory_name(claims: dict, hunt: Hunt) -> str | None:
    """Return the directory's name for the player, cleaned and allowed, or None.

    In discreet mode and in hunts of invader names nobody is named after the directory:
    the player gets a generated name, and may choose to show their own.
    """
    if hunt.name_mode == "generated" or is_discreet(hunt):
        return None
    try:
        name = clean_display_name(settings.name_from(claims))
        check_allowed(name)
    except ValueError:
        return None
    return name


def candidate_names(base: str | None, language: str):
    """Yield names to try: the directory's, then numbered, then generated ones."""
    if base:
        yield base
        for number in range(2, NAME_TRIES):
            suffix = f" {number}"
            yield base[: 40 - len(suffix)] + suffix
    while True:
        yield generated_name(language)


def player_for(claims: dict, hunt: Hunt) -> tuple[Player, bool]:
    """Return the one player of this person, creating it on the first sign-in.

    Returns the player and whether it is new. Two phones signing in at the same moment
    both land on one player: the link is unique on (issuer, subject hash).
    """
    account = find_account(claims)
    if account is not None:
        return db.session.get(Player, account.player_id), False
    issuer = settings.issuer()
    digest = settings.subject_hash(issuer, claims["sub"])
    team = settings.team_from(claims, list(hunt.teams or []))
    names = candidate_names(directory_name(claims, hunt), hunt.language)
    for _attempt in range(NAME_TRIES * 2):
        name = next(names)
        begin_write()
        player = Player(name=name, name_key=name_key(name), team=team)
        db.session.add(player)
        try:
            db.session.flush()
            db.session.add(Account(issuer=issuer, subject_hash=digest, player_id=player.id))
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            account = find_account(claims)
            if account is not None:  # the same person signed in meanwhile on another phone
                return db.session.get(Player, account.player_id), False
            continue  # the name was taken: try the next one
        return player, True
    raise ValueError("taken")


def rename_once(player: Player, account: Account, raw: str) -> None:
    """Give ``player`` a name of their choice, once, through the same checks as joining.

    Raises ValueError with the same reasons as the join form ("taken", "too_long"...).
    """
    if account.renamed:
        raise ValueError("renamed")
    name = clean_display_name(raw)
    check_allowed(name)
    begin_write()
    player = db.session.get(Player, player.id)
    account = db.session.get(Account, account.id)
    player.name, player.name_key = name, name_key(name)
    account.renamed = True
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ValueError("taken") from None


def choose_team(player: Player, team: str) -> None:
    """Set the team of a player whose directory entry named none the deck knows."""
    begin_write()
    db.session.get(Player, player.id).team = team
    db.session.commit()
