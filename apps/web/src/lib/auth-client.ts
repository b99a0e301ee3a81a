// better-auth's browser client (same origin): sign in with email and password, sign out.
import { createAuthClient } from "better-auth/react";

export const authClient = createAuthClient();
