// The logs feature registers its views here (see ../../shell/registry.ts).
export {};
