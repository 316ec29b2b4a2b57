"""Who may change things: writes are for administrators, reads stay open.

The rule is Home Assistant's own for admin services (`async_register_admin_service` in
homeassistant/helpers/service.py): a call that carries a user must come from an administrator;
a call without one (an automation, a script started by a trigger) is the system acting and
passes. The add-on itself is an admin (the Supervisor's user, or the owner of its token).
"""

from __future__ import annotations

from homeassistant.auth.permissions.const import POLICY_CONTROL
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import Unauthorized, UnknownUser


async def async_require_admin(
    hass: HomeAssistant, context: Context | None, entity_id: str | None = None
) -> None:
    """Raise `Unauthorized` unless the call is the system's or an administrator's."""
    if context is None or not context.user_id:
        return
    user = await hass.auth.async_get_user(context.user_id)
    if user is None:
        raise UnknownUser(context=context, entity_id=entity_id, permission=POLICY_CONTROL)
    if not user.is_admin:
        raise Unauthorized(context=context, entity_id=entity_id, permission=POLICY_CONTROL)
