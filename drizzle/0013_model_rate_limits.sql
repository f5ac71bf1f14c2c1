CREATE TABLE "model_rate_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"request_tat" timestamp with time zone DEFAULT now() NOT NULL,
	"token_tat" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
