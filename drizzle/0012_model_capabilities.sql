CREATE TABLE "model_capabilities" (
	"base_url" text NOT NULL,
	"model" text NOT NULL,
	"output_mode" text NOT NULL,
	"reason" text NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "model_capabilities_base_url_model_pk" PRIMARY KEY("base_url","model")
);
