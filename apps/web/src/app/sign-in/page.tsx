// Sign-in page (email + password through better-auth).
import { SignInForm } from "./sign-in-form";

export default function SignInPage() {
  return (
    <main>
      <div className="panel center-card">
        <h1>Sign in</h1>
        <SignInForm />
      </div>
    </main>
  );
}
