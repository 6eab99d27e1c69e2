"""moto gap: AdminCreateUser with MessageAction=RESEND (moto 5.2.1).

Real AWS: RESEND re-sends the invitation of an existing user in FORCE_CHANGE_PASSWORD state with a new temporary
password and leaves the user as it is (same sub, attributes and groups); it fails with UserNotFoundException for an
unknown user and with UnsupportedUserStateException for a user that already signed in.

moto 5.2.1 checks the user exists and then creates a second user (a new sub) in a pool whose username is the email,
leaving two users with the same email. This patch makes RESEND behave like AWS. Used by `turnctl users reset-password`.
"""


def apply():
    from moto.cognitoidp import models
    from moto.core.exceptions import JsonRESTError

    original = models.CognitoIdpBackend.admin_create_user

    def admin_create_user(self, user_pool_id, username, message_action, temporary_password, attributes):
        if message_action != "RESEND":
            return original(self, user_pool_id, username, message_action, temporary_password, attributes)
        user = self.admin_get_user(user_pool_id, username)  # UserNotFoundException when missing, as on AWS
        if user.status is not models.UserStatus.FORCE_CHANGE_PASSWORD:
            raise JsonRESTError("UnsupportedUserStateException", "User is not in FORCE_CHANGE_PASSWORD state.")
        user.password = temporary_password  # a new temporary password (AWS generates one when none is given)
        user.last_modified_date = models.utcnow()
        return user

    models.CognitoIdpBackend.admin_create_user = admin_create_user
