-- A database made by Invider 0.1 (db.create_all(), no alembic_version): 4 players, 6 answers.
BEGIN TRANSACTION;
CREATE TABLE admin_session (
	token VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (token)
);
CREATE TABLE answer (
	id INTEGER NOT NULL, 
	player_id INTEGER NOT NULL, 
	invider_id INTEGER NOT NULL, 
	given TEXT NOT NULL, 
	correct BOOLEAN NOT NULL, 
	points INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_answer_player_invider UNIQUE (player_id, invider_id), 
	FOREIGN KEY(player_id) REFERENCES player (id) ON DELETE CASCADE, 
	FOREIGN KEY(invider_id) REFERENCES invider (id) ON DELETE RESTRICT
);
INSERT INTO "answer" VALUES(1,1,1,'July 2015',1,10,'2026-11-25 17:36:53.514634');
INSERT INTO "answer" VALUES(2,1,2,'133',1,20,'2026-11-25 17:36:53.520347');
INSERT INTO "answer" VALUES(3,1,3,'12',0,0,'2026-11-25 17:36:53.523455');
INSERT INTO "answer" VALUES(4,2,1,'March 2016',0,0,'2026-11-25 17:36:53.527316');
INSERT INTO "answer" VALUES(5,4,3,'72',1,10,'2026-11-25 17:36:53.531694');
INSERT INTO "answer" VALUES(6,4,2,'cent trente-trois',1,20,'2026-11-25 17:36:53.534372');
CREATE TABLE audit_entry (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	actor VARCHAR(100) NOT NULL, 
	action VARCHAR(50) NOT NULL, 
	detail TEXT NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE hunt (
	id INTEGER NOT NULL, 
	title VARCHAR(200) NOT NULL, 
	language VARCHAR(2) NOT NULL, 
	teams JSON NOT NULL, 
	opens_at DATETIME, 
	closes_at DATETIME, 
	freeze_at DATETIME, 
	points INTEGER NOT NULL, 
	status_override VARCHAR(10), 
	name_mode VARCHAR(10) NOT NULL, 
	loaded_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "hunt" VALUES(1,'Test hunt','en','["Red", "Blue"]',NULL,NULL,NULL,10,NULL,'free','2026-11-25 17:36:53.504525');
CREATE TABLE invider (
	id INTEGER NOT NULL, 
	"key" VARCHAR(60) NOT NULL, 
	code VARCHAR(20) NOT NULL, 
	number INTEGER NOT NULL, 
	question TEXT NOT NULL, 
	choices JSON NOT NULL, 
	accept JSON NOT NULL, 
	answer TEXT NOT NULL, 
	fact TEXT NOT NULL, 
	topic VARCHAR(200), 
	location VARCHAR(200), 
	points INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE ("key"), 
	UNIQUE (code)
);
INSERT INTO "invider" VALUES(1,'launch','h9rmxj6k549bf',1,'When did the store open?','["July 2015", "February 2014", "March 2016"]','[]','July 2015','The store has been online since July 2015.','Store','Hall',10);
INSERT INTO "invider" VALUES(2,'services','v7ch7yyxjpg4u',2,'How many services?','[]','["133", "cent trente-trois"]','133','133 services in four interest centres.','Store',NULL,20);
INSERT INTO "invider" VALUES(3,'partners','q3bk3wcb7dg8b',3,'How many partners?','["72", "12", "300"]','[]','72','72 partners already joined.','Partners',NULL,10);
CREATE TABLE player (
	id INTEGER NOT NULL, 
	name VARCHAR(40) NOT NULL, 
	name_key VARCHAR(160) NOT NULL, 
	team VARCHAR(100), 
	score INTEGER NOT NULL, 
	found INTEGER NOT NULL, 
	correct INTEGER NOT NULL, 
	score_at DATETIME NOT NULL, 
	joined_at DATETIME NOT NULL, 
	hidden BOOLEAN NOT NULL, 
	resume_token VARCHAR(64), 
	PRIMARY KEY (id), 
	UNIQUE (name_key), 
	UNIQUE (resume_token)
);
INSERT INTO "player" VALUES(1,'Alice','alice','Red',30,3,2,'2026-11-25 17:36:53.520347','2026-11-25 17:36:53.508895',0,NULL);
INSERT INTO "player" VALUES(2,'Bob','bob','Blue',0,1,0,'2026-11-25 17:36:53.525631','2026-11-25 17:36:53.525636',0,NULL);
INSERT INTO "player" VALUES(3,'Chloé','chloé','Red',0,0,0,'2026-11-25 17:36:53.529008','2026-11-25 17:36:53.529011',0,NULL);
INSERT INTO "player" VALUES(4,'Dan','dan','Blue',30,2,2,'2026-11-25 17:36:53.534372','2026-11-25 17:36:53.529621',0,NULL);
CREATE TABLE rate_count (
	"key" VARCHAR(200) NOT NULL, 
	window INTEGER NOT NULL, 
	count INTEGER NOT NULL, 
	PRIMARY KEY ("key", window)
);
CREATE INDEX ix_player_ranking ON player (hidden, score, score_at, id);
CREATE INDEX ix_answer_created ON answer (created_at);
CREATE INDEX ix_answer_invider ON answer (invider_id);
COMMIT;
