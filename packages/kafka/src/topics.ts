// Kafka topic names and layouts. Tests pass their own names (a suffix) to stay isolated.
export interface TopicNames {
  clicks: string;
  deadLetters: string;
  counts: string;
}

export function topicNames(suffix = ""): TopicNames {
  return { clicks: `ad-clicks${suffix}`, deadLetters: `ad-clicks-dlq${suffix}`, counts: `ad-click-counts${suffix}` };
}
