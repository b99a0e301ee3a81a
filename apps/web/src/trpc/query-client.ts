// One QueryClient per browser session; superjson (de)hydration matches the server transformer.
import { QueryClient } from "@tanstack/react-query";

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Live numbers: refetched on an interval by the views; a little staleness avoids
        // duplicate fetches when several components mount at once.
        staleTime: 2_000,
        // A 4xx (bad filter, not signed in, not yours) will not change on retry: show it at once.
        retry: (failures, error) => {
          const status = (error as { data?: { httpStatus?: number } | null }).data?.httpStatus;
          return failures < 2 && !(status !== undefined && status >= 400 && status < 500);
        },
      },
    },
  });
}
