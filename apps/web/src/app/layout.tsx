// Root layout: global styles and the client-side data providers. No data and no session here,
// so every page (the landing page included) renders without a database.
import type { Metadata } from "next";
import type { ReactNode } from "react";
import { TRPCReactProvider } from "~/trpc/react";
import "./globals.css";

export const metadata: Metadata = {
  title: "Ad clicks",
  description: "Real-time ad click aggregation: live counts and top ads for advertisers, partners and ops",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <TRPCReactProvider>{children}</TRPCReactProvider>
      </body>
    </html>
  );
}
